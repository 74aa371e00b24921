import type { ProxyMetrics } from '../../metrics/proxy-metrics.ts';
import { PROMETHEUS_CONTENT_TYPE } from '../../metrics/registry.ts';

/** GET /metrics (needs the proxy key): Prometheus text format. */
export function metricsResponse(metrics: ProxyMetrics): Response {
  return new Response(metrics.render(), { headers: { 'content-type': PROMETHEUS_CONTENT_TYPE } });
}

/**
 * Histogram buckets per metric, in seconds. prom-client's defaults (5 ms .. 10 s)
 * are sized for HTTP handlers; each phase of a failover lives on its own scale:
 * heartbeat gaps in milliseconds, cloud moves in 0.1-10 s, OS changes in ms.
 */
export const DETECTION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3.5, 5, 10];
export const CLOUD_ACQUIRE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 20, 30, 60];
export const OS_CONFIGURE_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
export const FAILOVER_TOTAL_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3.5, 5, 10, 20, 30, 60];
export const CLOUD_REQUEST_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** How late the runtime's tick ran: anything near the heartbeat interval delays detection. */
export const EVENT_LOOP_LAG_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

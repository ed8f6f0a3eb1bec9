/*
 * Types for the files of prom-client that metrics.ts loads one by one
 * (see there for why not the package index): each exports the class of the
 * same name in prom-client's own declarations, so the types stay prom-client's.
 * test/metrics/prom-client-parts.test.ts checks each file is that class.
 */
declare module 'prom-client/lib/registry' {
  import { Registry } from 'prom-client';
  export = Registry;
}
declare module 'prom-client/lib/counter' {
  import { Counter } from 'prom-client';
  export = Counter;
}
declare module 'prom-client/lib/gauge' {
  import { Gauge } from 'prom-client';
  export = Gauge;
}
declare module 'prom-client/lib/histogram' {
  import { Histogram } from 'prom-client';
  export = Histogram;
}
declare module 'prom-client/lib/defaultMetrics' {
  import { collectDefaultMetrics } from 'prom-client';
  export = collectDefaultMetrics;
}

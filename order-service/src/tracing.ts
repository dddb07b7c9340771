// Imported first by main.ts: instrumentation must be in place before anything else is loaded.
import { startTracing } from '@ecom/service-kit/tracing';

startTracing('order-service');

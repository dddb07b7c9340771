import './tracing';
import { runMain, stopOnSignals } from '@ecom/service-kit';
import { loadOrderServiceConfig } from './config';
import { createOrderService } from './service';

runMain(async () => {
  const service = await createOrderService(loadOrderServiceConfig());
  // Before start(): a stop signal during start-up shuts down gracefully too.
  stopOnSignals(service.stop, service.logger);
  await service.start();
});

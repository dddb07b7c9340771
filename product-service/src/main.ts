import './tracing';
import { runMain, stopOnSignals } from '@ecom/service-kit';
import { loadProductConfig } from './config';
import { createProductService } from './service';

runMain(async () => {
  const service = await createProductService(loadProductConfig());
  // Before start(): a stop signal during start-up shuts down gracefully too.
  stopOnSignals(service.stop, service.logger);
  await service.start();
});

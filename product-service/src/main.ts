import './tracing';
import { runMain, stopOnSignals } from '@ecom/service-kit';
import { loadProductConfig } from './config';
import { createProductService } from './service';

runMain(async () => {
  const service = await createProductService(loadProductConfig());
  await service.start();
  stopOnSignals(service.stop, service.logger);
});

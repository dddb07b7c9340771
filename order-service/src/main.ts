import './tracing';
import { runMain, stopOnSignals } from '@ecom/service-kit';
import { loadOrderServiceConfig } from './config';
import { createOrderService } from './service';

runMain(async () => {
  const service = await createOrderService(loadOrderServiceConfig());
  await service.start();
  stopOnSignals(service.stop, service.logger);
});

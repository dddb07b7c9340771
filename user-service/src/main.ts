import './tracing';
import { runMain, stopOnSignals } from '@ecom/service-kit';
import { loadUserServiceConfig } from './config';
import { createUserService } from './service';

runMain(async () => {
  const service = await createUserService(loadUserServiceConfig());
  await service.start();
  stopOnSignals(service.stop, service.logger);
});

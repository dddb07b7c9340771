import './tracing';
import { runMain, stopOnSignals } from '@ecom/service-kit';
import { loadUserServiceConfig } from './config';
import { createUserService } from './service';

runMain(async () => {
  const service = await createUserService(loadUserServiceConfig());
  // Before start(): a stop signal during start-up shuts down gracefully too.
  stopOnSignals(service.stop, service.logger);
  await service.start();
});

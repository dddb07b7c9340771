import './tracing';
import { runMain, stopOnSignals } from '@ecom/service-kit';
import { loadGatewayConfig } from './config';
import { createApiGateway } from './service';

runMain(async () => {
  const gateway = await createApiGateway(loadGatewayConfig());
  // Before start(): a stop signal during start-up shuts down gracefully too.
  stopOnSignals(gateway.stop, gateway.logger);
  await gateway.start();
});

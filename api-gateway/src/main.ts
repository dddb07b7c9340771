import './tracing';
import { runMain, stopOnSignals } from '@ecom/service-kit';
import { loadGatewayConfig } from './config';
import { createApiGateway } from './service';

runMain(async () => {
  const gateway = await createApiGateway(loadGatewayConfig());
  await gateway.start();
  stopOnSignals(gateway.stop, gateway.logger);
});

import './tracing';
import { runMain, stopOnSignals } from '@ecom/service-kit';
import { loadGatewayConfig } from './config';
import { createGateway } from './gateway';

runMain(async () => {
  const gateway = await createGateway(loadGatewayConfig());
  await gateway.start();
  stopOnSignals(gateway.stop, gateway.logger);
});

/** The package's public entry: the composition root and the config it is built from. */
export { createUserService, type UserService, type UserServiceOptions } from './service';
export { loadUserServiceConfig, type UserServiceConfig } from './config';

/**
 * The package's public entry: the composition root and the config it is built from, and the bulk
 * import the load tool's preload uses (with the hashing the service applies to passwords).
 */
export { createUserService, type UserService, type UserServiceOptions } from './service';
export { loadUserServiceConfig, type UserServiceConfig } from './config';
export { importUsers, type ImportedUser } from './users/import-users';
export { hashPassword } from './auth/passwords';

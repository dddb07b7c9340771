// MongoDB first-start init script (mounted into /docker-entrypoint-initdb.d by the compose files).
// The mongo image runs it with mongosh once, when the data volume is empty, before auth is on.
//
// One database per service and one user per service, limited to its own database:
//   users    ← users_svc    (user-service)
//   products ← products_svc (product-service)
//   orders   ← orders_svc   (order-service)
// plus a read-only monitoring user for the Prometheus exporter (clusterMonitor, read on local).
//
// Passwords come from MONGO_INITDB_<NAME>_PASSWORD or, preferred in production,
// MONGO_INITDB_<NAME>_PASSWORD_FILE (a Docker secret). The MONGO_INITDB_ prefix makes the image's
// entrypoint drop them from mongod's environment after init. Usernames can be overridden with
// MONGO_INITDB_<NAME>_USER. A missing password is a hard error: the init fails loudly instead of
// creating a database nobody can log into.
/* global db, process, require, print */
/* eslint-disable @typescript-eslint/no-require-imports -- mongosh scripts load Node modules with require */
'use strict';

const fs = require('fs');

function setting(name, fallback) {
  const fileVariable = process.env[`${name}_FILE`];
  const direct = process.env[name];
  if (fileVariable && direct) throw new Error(`both ${name} and ${name}_FILE are set; set only one`);
  if (fileVariable) {
    const value = fs.readFileSync(fileVariable, 'utf8').replace(/\s+$/, '');
    if (!value) throw new Error(`${name}_FILE (${fileVariable}) is empty`);
    return value;
  }
  if (direct) return direct;
  if (fallback !== undefined) return fallback;
  throw new Error(`${name} (or ${name}_FILE) must be set`);
}

const services = [
  { key: 'USERS', database: 'users', user: 'users_svc' },
  { key: 'PRODUCTS', database: 'products', user: 'products_svc' },
  { key: 'ORDERS', database: 'orders', user: 'orders_svc' },
];

function upsertUser(database, user, pwd, roles) {
  const target = db.getSiblingDB(database);
  if (target.getUser(user)) {
    target.updateUser(user, { pwd, roles });
    print(`init: updated user ${user} on ${database}`);
  } else {
    target.createUser({ user, pwd, roles });
    print(`init: created user ${user} on ${database}`);
  }
}

for (const service of services) {
  const user = setting(`MONGO_INITDB_${service.key}_USER`, service.user);
  const password = setting(`MONGO_INITDB_${service.key}_PASSWORD`);
  // readWrite covers documents and indexes; dbAdmin lets the service manage its own collections
  // (e.g. collMod, validators) without any right on the other services' databases.
  upsertUser(service.database, user, password, [
    { role: 'readWrite', db: service.database },
    { role: 'dbAdmin', db: service.database },
  ]);
}

const exporterUser = setting('MONGO_INITDB_EXPORTER_USER', 'metrics');
const exporterPassword = setting('MONGO_INITDB_EXPORTER_PASSWORD', '');
if (exporterPassword) {
  upsertUser('admin', exporterUser, exporterPassword, [
    { role: 'clusterMonitor', db: 'admin' },
    { role: 'read', db: 'local' },
  ]);
} else {
  print('init: MONGO_INITDB_EXPORTER_PASSWORD not set; no monitoring user created');
}

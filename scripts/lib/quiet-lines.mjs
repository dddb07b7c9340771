// Output filters of the local stack (scripts/start-local.mjs): a process's line is shown as
// returned, or dropped when the filter returns undefined. Only chatter a user cannot act on goes.

// redis-server prints its start and stop steps at warning level, and warns that
// vm.overcommit_memory is 0: background saves may fail under memory pressure. This stack saves
// with an append-only file (no fork for RDB snapshots), and changing the host's sysctl is not
// ours to do, so the warning would only teach users to ignore warnings.
const REDIS_CHATTER = [
  /Redis is starting/,
  /Redis version=/,
  /Configuration loaded/,
  /Server initialized/,
  /Memory overcommit must be enabled/,
  /Received SIG\w+ scheduling shutdown/,
  /User requested shutdown/,
  /ready to exit, bye bye/,
];

// Prometheus reports a requested stop at warn level.
const PROMETHEUS_CHATTER = [/Received SIG\w+, exiting gracefully/];

// PostgreSQL logs its start, DocumentDB's extension loading, checkpoints and shutdown at LOG level,
// which it ranks above ERROR, so no setting hides them without hiding errors.
// DocumentDB's LOG lines come with the statement (and the SQL context) that caused them.
// Its fast shutdown (the stack stopping) reports each connection and worker it ends as FATAL, and
// so does each readiness probe (scripts/embedded-db.sh) that comes while it is starting.
const POSTGRES_CHATTER = [
  /\] (LOG|DETAIL|NOTICE|STATEMENT|CONTEXT): /,
  /FATAL: {2}the database system is (starting up|shutting down)/,
  /FATAL: {2}terminating (connection|background worker .*) due to administrator command/,
];

const dropping = (patterns) => (line) => (patterns.some((pattern) => pattern.test(line)) ? undefined : line);

export const quietLines = {
  redis: dropping(REDIS_CHATTER),
  prometheus: dropping(PROMETHEUS_CHATTER),
  postgres: dropping(POSTGRES_CHATTER),
};

import net from 'node:net';
import mongoose from 'mongoose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mongoUrlFor, redisUrl, uniqueName, withDatabase } from '@ecom/test-support';

/** Sends one RESP command over a raw socket and returns the first reply line. */
function redisCommand(url: string, ...args: string[]): Promise<string> {
  const { hostname, port } = new URL(url);
  const payload = `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    let reply = '';
    socket.setTimeout(5_000, () => {
      socket.destroy();
      reject(new Error('redis command timed out'));
    });
    socket.once('error', reject);
    socket.once('connect', () => socket.write(payload));
    socket.on('data', (chunk: Buffer) => {
      reply += chunk.toString();
      const complete =
        reply.startsWith('$') && !reply.startsWith('$-1')
          ? reply.split('\r\n').length >= 3
          : reply.includes('\r\n');
      if (complete) {
        socket.destroy();
        resolve(reply);
      }
    });
  });
}

describe('redis started by the global setup', () => {
  it('answers PING, SET and GET', async () => {
    const url = redisUrl();
    expect(url).toMatch(/^redis:\/\//);
    expect(await redisCommand(url, 'PING')).toBe('+PONG\r\n');
    const key = uniqueName('harness-');
    expect(await redisCommand(url, 'SET', key, 'hello')).toBe('+OK\r\n');
    expect(await redisCommand(url, 'GET', key)).toBe('$5\r\nhello\r\n');
  });
});

describe('mongo started by the global setup', () => {
  const dbName = uniqueName('harness_');
  let conn: mongoose.Connection;

  beforeAll(async () => {
    conn = await mongoose
      .createConnection(mongoUrlFor(dbName), { serverSelectionTimeoutMS: 10_000 })
      .asPromise();
  });

  afterAll(async () => {
    await conn?.dropDatabase().catch(() => undefined);
    await conn?.close();
  });

  it('connects to the requested database', () => {
    expect(conn.name).toBe(dbName);
  });

  it('accepts an insert and finds it again', async () => {
    const Item = conn.model('Item', new mongoose.Schema({ sku: String, qty: Number }));
    await Item.create({ sku: 'abc-1', qty: 3 });
    const found = await Item.findOne({ sku: 'abc-1' }).lean();
    expect(found).toMatchObject({ sku: 'abc-1', qty: 3 });
    expect(await Item.countDocuments()).toBe(1);
  });

  it('when a collection has a secondary index, then a query on that field searches the index instead of scanning', async () => {
    const items = conn.db!.collection<{ email: string }>(uniqueName('lookup_'));
    await items.createIndex({ email: 1 }, { unique: true }, undefined);
    await items.insertMany(Array.from({ length: 50 }, (_, i) => ({ email: `user${i}@example.com` })));
    const plan = JSON.stringify(await items.find({ email: 'user7@example.com' }).explain());
    // MongoDB: an IXSCAN stage; DocumentDB: a PostgreSQL index scan on the index's name.
    expect(plan).toMatch(
      /"IXSCAN"|"Node Type":"(Bitmap )?Index Scan"[^}]*"Index Name":"email_1"|"Index Name":"email_1"[^}]*"Node Type":"(Bitmap )?Index Scan"/,
    );
  });

  it('when code opens a transaction, then the embedded database refuses to commit it (this code uses none)', async () => {
    const info = await conn.db!.admin().command({ buildInfo: 1 });
    if (info.ferretdb === undefined) return; // a replica-set MongoDB would commit it
    const session = conn.getClient().startSession();
    try {
      session.startTransaction();
      await conn.db!.collection(uniqueName('txn_')).insertOne({ a: 1 }, { session });
      await expect(session.commitTransaction()).rejects.toThrow();
    } finally {
      await session.endSession().catch(() => undefined);
    }
  });
});

describe('helpers', () => {
  it('uniqueName yields distinct, db-safe names', () => {
    const a = uniqueName('users_');
    const b = uniqueName('users_');
    expect(a).toMatch(/^users_[0-9a-f]{12}$/);
    expect(a).not.toBe(b);
    expect(() => uniqueName('bad.prefix')).toThrow();
  });

  it('withDatabase replaces or sets the path and keeps the query string', () => {
    expect(withDatabase('mongodb://127.0.0.1:27017', 'x')).toBe('mongodb://127.0.0.1:27017/x');
    expect(withDatabase('mongodb://127.0.0.1:27017/', 'x')).toBe('mongodb://127.0.0.1:27017/x');
    expect(withDatabase('mongodb://u:p@h1:1,h2:2/old?authSource=admin&w=1', 'new')).toBe(
      'mongodb://u:p@h1:1,h2:2/new?authSource=admin&w=1',
    );
    expect(withDatabase('mongodb+srv://c.example.net?retryWrites=true', 'db')).toBe(
      'mongodb+srv://c.example.net/db?retryWrites=true',
    );
    expect(() => withDatabase('mongodb://h/', 'a.b')).toThrow();
  });
});

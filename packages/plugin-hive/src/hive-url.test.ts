// TFLYTE_HIVE_URL: beeline's JDBC URL form, read when tflyte.config.ts names no server.
import { describe, expect, it } from 'vitest';
import { hivePlugin } from './hive-plugin.ts';
import { HiveUrlError, hiveServerFromEnv, parseHiveUrl } from './hive-url.ts';

describe('parseHiveUrl', () => {
  it.each([
    [
      'jdbc:hive2://hs2.example.com:10000/sales',
      {
        host: 'hs2.example.com',
        port: 10000,
        transport: 'binary',
        database: 'sales',
        auth: { mechanism: 'PLAIN', username: 'anonymous', password: '' },
      },
    ],
    [
      'jdbc:hive2://hs2:10000/default;auth=noSasl',
      { host: 'hs2', port: 10000, transport: 'binary', database: 'default', auth: { mechanism: 'NOSASL' } },
    ],
    [
      'jdbc:hive2://hs2/;transportMode=http;httpPath=cliservice',
      {
        host: 'hs2',
        port: 10001,
        transport: 'http',
        httpPath: '/cliservice',
        auth: { mechanism: 'PLAIN', username: 'anonymous', password: '' },
      },
    ],
    [
      'hive2://127.0.0.1:4321;user=ana;password=p%3Bw',
      { host: '127.0.0.1', port: 4321, transport: 'binary', auth: { mechanism: 'PLAIN', username: 'ana', password: 'p;w' } },
    ],
  ])('%s', (url, expected) => {
    expect(parseHiveUrl(url)).toEqual(expected);
  });

  it('takes HIVE_USER and HIVE_PASSWORD as beeline takes -n and -p', () => {
    expect(hiveServerFromEnv({ TFLYTE_HIVE_URL: 'jdbc:hive2://hs2:10000/sales', HIVE_USER: 'ana', HIVE_PASSWORD: 'pw' })?.auth).toEqual({
      mechanism: 'PLAIN',
      username: 'ana',
      password: 'pw',
    });
    expect(hiveServerFromEnv({})).toBeUndefined();
  });

  it.each([
    ['http://hs2:10000', /not a HiveServer2 URL/],
    ['jdbc:hive2://hs2:10000/db;transportMode=grpc', /transportMode must be binary or http/],
    ['jdbc:hive2://hs2:10000/db;auth=kerberos', /auth=kerberos is not supported/],
    ['jdbc:hive2://hs2:10000/db;princpal=x', /session variable 'princpal' is not supported/],
  ])('refuses %s', (url, message) => {
    expect(() => parseHiveUrl(url)).toThrow(HiveUrlError);
    expect(() => parseHiveUrl(url)).toThrow(message);
  });

  it('hivePlugin() without a server names the variable in its error', () => {
    const saved = process.env.TFLYTE_HIVE_URL;
    delete process.env.TFLYTE_HIVE_URL;
    try {
      expect(() => hivePlugin({})).toThrow(/TFLYTE_HIVE_URL=jdbc:hive2:\/\/host:port\/db/);
    } finally {
      if (saved !== undefined) process.env.TFLYTE_HIVE_URL = saved;
    }
  });
});

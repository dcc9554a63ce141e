// A real redis-server speaking only TLS (--port 0 --tls-port P) with a test CA
// and a server certificate for 127.0.0.1 and localhost, made with openssl in a
// temporary directory that stop() removes. `otherCa` is a CA that signed
// nothing here: trusting it instead must fail the handshake.
import type { ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort, killChild, run, spawnRedisServer } from "./redis-process";

export interface RedisTlsServer {
  readonly port: number;
  /** rediss://127.0.0.1:P */
  readonly url: string;
  /** PEM of the CA that signed the server's certificate. */
  readonly ca: string;
  /** PEM of an unrelated CA. */
  readonly otherCa: string;
  stop(): Promise<void>;
}

const OPENSSL = process.env.OPENSSL ?? "openssl";

export async function startRedisTlsServer(): Promise<RedisTlsServer> {
  const dir = await mkdtemp(path.join(tmpdir(), "cognito-bearer-tls-"));
  let child: ChildProcess | undefined;
  const stop = async () => {
    if (child !== undefined) await killChild(child);
    child = undefined;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const file = (name: string) => path.join(dir, name);
    const ssl = (...args: string[]) => run(OPENSSL, args, 20_000);
    const ca = async (name: string) => {
      await ssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", `/CN=${name}`, "-keyout", file(`${name}.key`), "-out", file(`${name}.crt`));
    };
    await Promise.all([ca("test-ca"), ca("other-ca")]);
    await ssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost", "-keyout", file("server.key"), "-out", file("server.csr"));
    await writeFile(file("san.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    await ssl("x509", "-req", "-in", file("server.csr"), "-CA", file("test-ca.crt"), "-CAkey", file("test-ca.key"), "-CAcreateserial", "-days", "1", "-extfile", file("san.cnf"), "-out", file("server.crt"));
    const port = await freePort();
    child = await spawnRedisServer(
      ["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1", "--tls-cert-file", file("server.crt"), "--tls-key-file", file("server.key"),
        "--tls-ca-cert-file", file("test-ca.crt"), "--tls-auth-clients", "no", "--save", "", "--appendonly", "no"],
      "redis-server (TLS; built without TLS?)",
    );
    return {
      port,
      url: `rediss://127.0.0.1:${port}`,
      ca: await readFile(file("test-ca.crt"), "utf8"),
      otherCa: await readFile(file("other-ca.crt"), "utf8"),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * The local test servers keep up with a burst of connections they cannot accept yet. Under load
 * the chaos test's client opens connections faster than its process accepts them; with a full
 * accept queue the kernel drops handshakes, and requests the client has long abandoned reach the
 * server seconds later (as its handshake is retried), still "in flight" after every call ended.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { startLocalServer, type LocalServer } from "./local-http";

const BURST = 1000;

let server: LocalServer;
beforeAll(async () => {
  server = await startLocalServer((_incoming, response) => response.end());
});
afterAll(() => server.close());

test(`${BURST} connections opened while the server's process is busy all get through the handshake`, () => {
  // The child connects while this process is blocked in spawnSync, so nothing here accepts:
  // every connection must wait in the listen queue. Those the queue has no room for never
  // connect (the kernel drops their handshake), and the child reports how many did.
  const child = spawnSync(
    process.execPath,
    [
      "-e",
      `const net = require("node:net");
      const [port, burst] = process.argv.slice(1).map(Number);
      let connected = 0;
      const sockets = [];
      const report = () => { process.stdout.write(String(connected)); process.exit(0); };
      // Generous: a handshake with room in the queue completes at once, even under load.
      setTimeout(report, 10000);
      for (let i = 0; i < burst; i++) {
        const socket = net.connect(port, "127.0.0.1", () => { if (++connected === burst) report(); });
        socket.on("error", () => {});
        sockets.push(socket);
      }`,
      String(server.port),
      String(BURST),
    ],
    { encoding: "utf8", timeout: 60_000 },
  );
  expect(child.stderr).toBe("");
  // The kernel caps every listen queue at somaxconn (4096 on current Linux); a full queue still takes one more.
  const somaxconn = Number(fs.readFileSync("/proc/sys/net/core/somaxconn", "utf8"));
  expect(Number(child.stdout)).toBe(Math.min(BURST, somaxconn + 1));
}, 90_000);

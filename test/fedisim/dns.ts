/**
 * A DNS server for the simulated domains, over UDP and TCP on one loopback
 * port: A records for simulated names, NXDOMAIN for everything else, and on
 * demand SERVFAIL or no answer at all. It only ever answers with the
 * simulator's loopback addresses, so no test traffic can leave the machine.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, isIPv4, isIPv6, type Socket } from "node:net";

export type DnsAnswer =
  | { readonly kind: "address"; readonly addresses: readonly string[] }
  | { readonly kind: "nodata" }
  | { readonly kind: "nxdomain" }
  | { readonly kind: "servfail" }
  /** Say nothing: the resolver times out. */
  | { readonly kind: "timeout" };

export type RecordType = "A" | "AAAA" | "OTHER";

export interface DnsQueryLog {
  readonly name: string;
  readonly type: RecordType;
  readonly transport: "udp" | "tcp";
}

export interface DnsServer extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  readonly queries: DnsQueryLog[];
  close(): Promise<void>;
}

const TYPE_A = 1;
const TYPE_AAAA = 28;
const RCODE = { noError: 0, formErr: 1, servFail: 2, nxDomain: 3, notImp: 4 } as const;

export async function startDns(answer: (name: string, type: RecordType) => DnsAnswer, host = "127.0.0.1", options: { logQueries?: boolean } = {}): Promise<DnsServer> {
  const queries: DnsQueryLog[] = [];
  const reply = (packet: Buffer, transport: "udp" | "tcp"): Buffer | undefined => {
    const query = parseQuery(packet);
    if (query === undefined) return packet.length >= 2 ? header(packet.readUInt16BE(0), 0, RCODE.formErr, 0) : undefined;
    const type: RecordType = query.qtype === TYPE_A ? "A" : query.qtype === TYPE_AAAA ? "AAAA" : "OTHER";
    if (options.logQueries !== false) queries.push({ name: query.name, type, transport });
    const result = answer(query.name.toLowerCase(), type);
    return encodeAnswer(query, result);
  };

  const newUdp = () => {
    const udp = createSocket("udp4");
    udp.on("message", (packet, peer) => {
      const out = reply(packet, "udp");
      if (out !== undefined) udp.send(out, peer.port, peer.address);
    });
    udp.on("error", () => {});
    return udp;
  };

  // TCP on the same port: resolvers retry there when a UDP answer is truncated, and some always use it.
  const sockets = new Set<Socket>();
  const newTcp = () =>
    createServer((socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
      let buffered = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        while (buffered.length >= 2 && buffered.length >= 2 + buffered.readUInt16BE(0)) {
          const packet = buffered.subarray(2, 2 + buffered.readUInt16BE(0));
          buffered = buffered.subarray(2 + packet.length);
          const out = reply(packet, "tcp");
          if (out !== undefined) {
            const framed = Buffer.alloc(2 + out.length);
            framed.writeUInt16BE(out.length, 0);
            out.copy(framed, 2);
            socket.write(framed);
          }
        }
        if (buffered.length > 65_537) socket.destroy(); // a frame can never be this long
      });
    });

  // The free UDP port the system picks may be taken for TCP (another server, a client's port): try another.
  for (let attempt = 1; ; attempt++) {
    const udp = newUdp();
    await new Promise<void>((resolve, reject) => {
      udp.once("error", reject);
      udp.bind(0, host, () => resolve());
    });
    const port = udp.address().port;
    const tcp = newTcp();
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(port, host, () => resolve());
      });
    } catch (err) {
      await closeUdp(udp);
      if (attempt >= 5 || (err as NodeJS.ErrnoException).code !== "EADDRINUSE") throw err;
      continue;
    }
    const close = async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([new Promise<void>((resolve) => tcp.close(() => resolve())), closeUdp(udp)]);
    };
    return { host, port, queries, close, [Symbol.asyncDispose]: close };
  }
}

function closeUdp(udp: UdpSocket): Promise<void> {
  return new Promise((resolve) => {
    try {
      udp.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

interface Query {
  readonly id: number;
  readonly flags: number;
  readonly name: string;
  readonly qtype: number;
  /** The question section as received, echoed back verbatim. */
  readonly question: Buffer;
}

export function parseQuery(packet: Buffer): Query | undefined {
  if (packet.length < 12) return undefined;
  const flags = packet.readUInt16BE(2);
  if (flags & 0x8000 || packet.readUInt16BE(4) !== 1) return undefined; // not a query, or not exactly one question
  const labels: string[] = [];
  let offset = 12;
  for (let guard = 0; guard < 128; guard++) {
    if (offset >= packet.length) return undefined;
    const length = packet[offset]!;
    if (length === 0) {
      offset++;
      break;
    }
    if (length > 63 || offset + 1 + length > packet.length) return undefined; // no compression in a question
    labels.push(packet.toString("latin1", offset + 1, offset + 1 + length));
    offset += 1 + length;
  }
  if (offset + 4 > packet.length) return undefined;
  const qtype = packet.readUInt16BE(offset);
  return { id: packet.readUInt16BE(0), flags, name: labels.join("."), qtype, question: packet.subarray(12, offset + 4) };
}

function header(id: number, queryFlags: number, rcode: number, answers: number, questions = 0): Buffer {
  const out = Buffer.alloc(12);
  out.writeUInt16BE(id, 0);
  // QR, the query's opcode and RD, AA (we are the authority for these names), RA, rcode.
  out.writeUInt16BE(0x8000 | (queryFlags & 0x7900) | 0x0400 | 0x0080 | rcode, 2);
  out.writeUInt16BE(questions, 4);
  out.writeUInt16BE(answers, 6);
  return out;
}

function encodeAnswer(query: Query, result: DnsAnswer): Buffer | undefined {
  switch (result.kind) {
    case "timeout":
      return undefined;
    case "nxdomain":
      return Buffer.concat([header(query.id, query.flags, RCODE.nxDomain, 0, 1), query.question]);
    case "servfail":
      return Buffer.concat([header(query.id, query.flags, RCODE.servFail, 0, 1), query.question]);
    case "nodata":
      return Buffer.concat([header(query.id, query.flags, RCODE.noError, 0, 1), query.question]);
    case "address": {
      const records = result.addresses
        .filter((a) => (query.qtype === TYPE_A ? isIPv4(a) : query.qtype === TYPE_AAAA ? isIPv6(a) : false))
        .map((address) => record(query.qtype, address));
      return Buffer.concat([header(query.id, query.flags, RCODE.noError, records.length, 1), query.question, ...records]);
    }
  }
}

function record(qtype: number, address: string): Buffer {
  const data = qtype === TYPE_A ? Buffer.from(address.split(".").map(Number)) : ipv6Bytes(address);
  const out = Buffer.alloc(12);
  out.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question
  out.writeUInt16BE(qtype, 2);
  out.writeUInt16BE(1, 4); // IN
  out.writeUInt32BE(60, 6); // TTL
  out.writeUInt16BE(data.length, 10);
  return Buffer.concat([out, data]);
}

function ipv6Bytes(address: string): Buffer {
  const [head = "", tail = ""] = address.split("::");
  const left = head === "" ? [] : head.split(":");
  const right = tail === "" ? [] : tail.split(":");
  const groups = address.includes("::") ? [...left, ...Array(8 - left.length - right.length).fill("0"), ...right] : left;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(Number.parseInt(g, 16), i * 2));
  return out;
}

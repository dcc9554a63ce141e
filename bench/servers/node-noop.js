// node:http with one wrapper that only calls the handler: the ceiling any node:http wrapper can reach.
export function create() {
  const handler = (req, res) => {
    const body = JSON.stringify({ sub: "anonymous" });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  };
  return (req, res) => handler(req, res);
}

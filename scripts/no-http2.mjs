// Stands in for node:http2 in the server bundle (scripts/build.mjs): @hono/node-server imports
// it only to tell HTTP/2 requests apart, and quire serves HTTP/1.1 alone, so nothing is ever
// an instance of this class. Loading the real module costs every start http2 and tls.
export class Http2ServerRequest {}
export const constants = { NGHTTP2_NO_ERROR: 0 };

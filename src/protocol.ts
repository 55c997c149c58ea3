/** Names that the daemon and its clients both use on the wire. */

/** The header that carries an API key (REST requests and the socket.io handshake). */
export const API_KEY_HEADER = 'x-api-key'

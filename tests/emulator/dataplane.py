# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The data plane's listener: where clients (and the load generator) call the published APIs over HTTP.

A loopback port of its own, next to the management API's (``Emulator.data_url``, ``data_url`` in the state line).
A request names its API group by the Host header (the group's subdomain, never resolved: clients send it to this
port with that Host), its environment by ``X-Stage``; gateway.py does the rest. This module only reads the request
off the socket and writes the gateway's answer back, keep-alive included. The management API's request log, faults
and throttling do not apply here: data-plane traffic is counted in the statistics instead.
"""

import uuid

from tests.emulator import errors, gateway_errors
from tests.emulator.gateway import GatewayRequest
from tests.emulator.handlers import EmulatorRequestHandler


class DataPlaneRequestHandler(EmulatorRequestHandler):
    """Hands every request to ``self.server.emulator.gateway`` and writes its answer."""

    def _dispatch(self):
        """Read the call, let the gateway answer it, write the answer (a body that cannot be read closes the connection)."""
        gateway = self.server.emulator.gateway
        request_id = uuid.uuid4().hex
        try:
            body = self._read_body()
        except errors.ApigError as exc:  # unreadable framing or an oversized body: the rest cannot be read
            self.close_connection = True
            refused = (gateway_errors.entity_too_large if exc.status == 413 else gateway_errors.bad_request)(exc.detail)
            self._write(gateway.unreadable(refused, request_id))
            return
        request = GatewayRequest(
            self.command, self.path, list(self.headers.items()), body, request_id, self.client_address[0]
        )
        self._write(gateway.serve(request))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _dispatch

    def _write(self, answer):
        """Status line and headers exactly as GatewayAnswer.wire_headers lists them (no added Server/Date), then the body."""
        self.send_response_only(answer.status, answer.reason)
        for name, value in answer.wire_headers(keep_alive=not self.close_connection):
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(answer.body)

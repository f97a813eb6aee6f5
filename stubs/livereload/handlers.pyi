# Type stubs for the parts of livereload.handlers that newsgen.serve subclasses.
from typing import Any, ClassVar

from tornado import web
from tornado.websocket import WebSocketHandler

class LiveReloadHandler(WebSocketHandler):
    waiters: ClassVar[set[LiveReloadHandler]]
    def send_message(self, message: dict[str, Any] | str) -> None: ...

class LiveReloadJSHandler(web.RequestHandler):
    def get(self) -> None: ...

class StaticFileHandler(web.StaticFileHandler):
    def should_return_304(self) -> bool: ...

package dev.upshift.server.http;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the errors Jetty raises before a request reaches the routes (a malformed URI, a header block or URI
 * that is too long) in the same JSON shapes as every other error: the admin error object under {@code /api/}, the
 * UpgradeLink envelope elsewhere, with code {@code status * 1000 + 1}. Never a stack trace or an HTML page.
 */
final class JsonErrorHandler extends ErrorHandler {

    @Override
    protected void generateResponse(Request request, Response response, int code, String message, Throwable cause,
                                    Callback callback) {
        String path = null;
        try {
            path = request.getHttpURI().getPath();
        } catch (RuntimeException ignored) {
            // a URI too broken to have a path: answer in the client API's shape
        }
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.write(true, ByteBuffer.wrap(body(code, path != null && path.startsWith("/api/"))), callback);
    }

    @Override
    public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
        fields.put(new HttpField(HttpHeader.CONTENT_TYPE, "application/json"));
        return ByteBuffer.wrap(body(status, false));
    }

    private static byte[] body(int status, boolean admin) {
        String text = switch (status) {
            case 400 -> "Malformed request (invalid URI or header)";
            case 404 -> "Request not found";
            case 414 -> "Request URI too long";
            case 431 -> "Request headers too large";
            default -> "Request could not be processed";
        };
        Map<String, Object> m = new LinkedHashMap<>();
        if (admin) {
            m.put("code", status == 404 ? "not_found" : "invalid_request");
            m.put("message", text + ".");
        } else {
            m.put("code", status == 404 ? 404004 : status * 1000 + 1);
            m.put("msg", text);
            m.put("traceId", "");
            m.put("docs", "");
            m.put("data", null);
        }
        return Json.bytes(m);
    }
}

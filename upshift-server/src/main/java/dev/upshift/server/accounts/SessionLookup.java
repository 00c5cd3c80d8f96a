package dev.upshift.server.accounts;

import io.javalin.http.Context;
import java.util.Optional;

/** What the web console needs from accounts: the signed-in user of a request, and whether setup is still due. */
public interface SessionLookup {
    /** The principal of the request's session cookie, if it names a live session (idle and absolute limits apply). */
    Optional<Principal> fromSession(Context ctx);

    /** True until the installation's first owner exists; the console then offers only the setup page. */
    boolean setupNeeded();
}

package dev.upshift.server.admin;

import dev.upshift.server.accounts.Principal;
import dev.upshift.server.accounts.Role;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import java.util.ArrayList;
import java.util.List;

/**
 * The admin API's route table. Every route is declared with the least role it needs, so the access rule sits next
 * to the path instead of inside each handler, and the table can be listed: the OpenAPI test and the
 * route-by-role test both walk {@link #routes()}. Object-level rules (a foreign tenant's object answers 404) stay in
 * the handlers, which look objects up only inside the caller's tenant.
 */
public final class AdminRoutes {
    /**
     * Who may call a route: anyone ({@code role == null}: login and first-owner setup), a tenant role, or the
     * installation's owner (tenant management).
     */
    public record Access(Role role, boolean installation) {
        public static final Access PUBLIC = new Access(null, false);
        public static final Access INSTALLATION = new Access(Role.OWNER, true);

        public static Access of(Role role) {
            return new Access(role, false);
        }

        public boolean isPublic() {
            return role == null;
        }
    }

    /** One registered route: {@code method} is upper case, {@code path} the Javalin template. */
    public record Route(String method, String path, Access access) {
    }

    private final RoutesConfig routes;
    private final List<Route> registered = new ArrayList<>();

    public AdminRoutes(RoutesConfig routes) {
        this.routes = routes;
    }

    /** Whether {@code method path} (a concrete path) is a public route; public routes have no path parameters. */
    boolean isPublic(String method, String path) {
        for (Route r : registered) {
            if (r.access().isPublic() && r.method().equals(method) && r.path().equals(path)) {
                return true;
            }
        }
        return false;
    }

    public List<Route> routes() {
        return List.copyOf(registered);
    }

    public void get(String path, Role role, Handler handler) {
        add("GET", path, Access.of(role), handler);
    }

    public void post(String path, Role role, Handler handler) {
        add("POST", path, Access.of(role), handler);
    }

    public void put(String path, Role role, Handler handler) {
        add("PUT", path, Access.of(role), handler);
    }

    public void patch(String path, Role role, Handler handler) {
        add("PATCH", path, Access.of(role), handler);
    }

    public void delete(String path, Role role, Handler handler) {
        add("DELETE", path, Access.of(role), handler);
    }

    /** A route that needs no authentication (login, first-owner setup); it checks what it needs itself. */
    public void publicRoute(String method, String path, Handler handler) {
        add(method, path, Access.PUBLIC, handler);
    }

    void add(String method, String path, Access access, Handler handler) {
        registered.add(new Route(method, path, access));
        Handler checked = access.isPublic() ? handler : ctx -> {
            requireAccess(AdminApi.principal(ctx), access);
            handler.handle(ctx);
        };
        switch (method) {
            case "GET" -> routes.get(path, checked);
            case "POST" -> routes.post(path, checked);
            case "PUT" -> routes.put(path, checked);
            case "PATCH" -> routes.patch(path, checked);
            case "DELETE" -> routes.delete(path, checked);
            default -> throw new IllegalArgumentException("unsupported method " + method);
        }
    }

    static void requireAccess(Principal p, Access access) {
        if (access.installation() && !p.installation()) {
            throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN,
                    "Only an owner of the installation's first tenant can do this.");
        }
        if (!p.role().atLeast(access.role())) {
            throw new AdminApiException(AdminApiException.AdminError.FORBIDDEN, "This needs the "
                    + access.role().wireName() + " role or higher; you act as " + p.role().wireName() + ".");
        }
    }
}

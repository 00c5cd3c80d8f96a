package dev.upshift.server.catalog;

/**
 * The one rule for device and device-model keys, wherever they come from (admin API, update checks, headers):
 * 1 to 128 visible ASCII characters. It keeps keys addressable in URLs and storable in every database.
 */
public final class DeviceKeys {
    public static final int MAX_LENGTH = 128;

    private DeviceKeys() {
    }

    public static boolean isValid(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) { // a plain loop: this runs on every update check
            char c = key.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }
}

package dev.upshift.server.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    @Test
    void ipv6AddressesCountPerSlash64AndIpv4PerAddress() {
        assertThat(LoginThrottle.network("2001:db8:1:2:aaaa::1")).isEqualTo(LoginThrottle.network("2001:db8:1:2::ffff"))
                .isEqualTo("2001:0db8:0001:0002::/64");
        assertThat(LoginThrottle.network("2001:db8:1:3::1")).isNotEqualTo(LoginThrottle.network("2001:db8:1:2::1"));
        assertThat(LoginThrottle.network("[::1]")).isEqualTo("0000:0000:0000:0000::/64");
        assertThat(LoginThrottle.network("192.0.2.7")).isEqualTo("192.0.2.7");
    }

    @Test
    void anAccountIsLimitedAcrossAddressesAndSuccessesGiveTheirTokensBack() {
        LoginThrottle t = new LoginThrottle(Clock.fixed(Instant.parse("2026-11-23T00:00:00Z"), ZoneOffset.UTC));
        for (int i = 0; i < 50; i++) {
            assertThat(t.attempt("olivia", "198.51.100." + i)).as("attempt " + i).isEmpty();
        }
        assertThat(t.attempt("olivia", "203.0.113.9")).isPresent(); // a fresh address does not help
        assertThat(t.attempt("pete", "203.0.113.9")).isEmpty();
        for (int i = 0; i < 100; i++) {
            assertThat(t.attempt("pete", "203.0.113.10")).isEmpty();
            t.succeeded("pete", "203.0.113.10");
        }
    }
}

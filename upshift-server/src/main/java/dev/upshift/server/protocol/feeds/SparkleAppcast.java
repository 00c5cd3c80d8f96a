package dev.upshift.server.protocol.feeds;

import dev.upshift.core.kind.AppKind;
import dev.upshift.core.rollout.Channels;
import dev.upshift.server.catalog.App;
import dev.upshift.server.catalog.Version;
import dev.upshift.server.catalog.VersionFile;
import dev.upshift.server.protocol.upgradelink.DownloadLinks;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * A Sparkle 2 appcast (update-protocols §4): RSS 2.0 with the Sparkle namespace, one {@code item} per published
 * version (newest first, at most {@link #MAX_ITEMS}), each with {@code title}, {@code pubDate} (RFC 822),
 * {@code sparkle:version} (the integer version code for integer kinds, the version string for SemVer kinds),
 * {@code sparkle:shortVersionString} (the version name), {@code sparkle:channel} (absent for stable),
 * {@code sparkle:minimumSystemVersion}, {@code sparkle:criticalUpdate} (forced strategies),
 * {@code sparkle:phasedRolloutInterval} (partial strategies, see below), {@code description} (the notes) and an
 * {@code enclosure} with {@code url}, {@code length}, {@code type}, {@code sparkle:os} and, when the file has one,
 * {@code sparkle:edSignature}.
 *
 * <p>Phased rollout: Sparkle splits installations into 7 groups and offers an item to group {@code g} once
 * {@code pubDate + g * interval} has passed. A strategy below 100% is published with an interval of one day
 * ({@link #PHASE_SECONDS}), so about 1/7 of installations get it at once and all of them within 6 days; the exact
 * percentage cannot be expressed. {@code pubDate} is when the strategy started publishing (the later of its
 * creation and its window's begin), so the phases count from the rollout, not from the upload.
 *
 * <p>The enclosure is the version's update archive, else its install package, of a format Sparkle installs
 * (zip, dmg, pkg, {@code .tar.gz/.tar.xz/.tar.bz2}). The XML is written with {@link XMLStreamWriter}, which escapes.
 */
final class SparkleAppcast {
    static final String NS = "http://www.andymatuschak.org/xml-namespaces/sparkle";
    static final int MAX_ITEMS = 10;
    static final long PHASE_SECONDS = 86_400;
    static final DateTimeFormatter RFC_822 = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss Z", Locale.ENGLISH)
            .withZone(ZoneOffset.UTC);
    private static final List<String> FORMATS = List.of("zip", "dmg", "pkg", "app");

    private SparkleAppcast() {
    }

    /** The archive Sparkle downloads for a version: update before install, in a format Sparkle can install. */
    static Optional<VersionFile> enclosure(Version v) {
        for (String role : List.of("update", "install")) {
            for (VersionFile f : v.files()) {
                String name = f.fileName().toLowerCase(Locale.ROOT);
                if (f.role().equals(role) && (FORMATS.contains(f.format()) || name.endsWith(".tar.gz")
                        || name.endsWith(".tar.xz") || name.endsWith(".tar.bz2"))) {
                    return Optional.of(f);
                }
            }
        }
        return Optional.empty();
    }

    static byte[] render(App app, List<ChannelReleases.Release> releases, DownloadLinks links) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
            w.writeStartDocument("UTF-8", "1.0");
            w.writeStartElement("rss");
            w.writeAttribute("version", "2.0");
            w.writeNamespace("sparkle", NS);
            w.writeStartElement("channel");
            text(w, "title", app.name());
            text(w, "description", "Updates of " + app.name());
            text(w, "language", "en");
            int n = 0;
            for (ChannelReleases.Release r : releases) {
                Optional<VersionFile> file = enclosure(r.version());
                if (file.isEmpty()) {
                    continue;
                }
                if (n++ == MAX_ITEMS) {
                    break;
                }
                item(w, app, r, file.get(), links);
            }
            w.writeEndElement();
            w.writeEndElement();
            w.writeEndDocument();
            w.close();
        } catch (XMLStreamException e) {
            throw new IllegalStateException("cannot render the appcast", e);
        }
        return out.toByteArray();
    }

    private static void item(XMLStreamWriter w, App app, ChannelReleases.Release r, VersionFile f, DownloadLinks links)
            throws XMLStreamException {
        Version v = r.version();
        w.writeStartElement("item");
        text(w, "title", "Version " + v.name());
        text(w, "pubDate", RFC_822.format(Instant.ofEpochMilli(StaticFeeds.publishedAt(r))));
        sparkle(w, "version", app.kind().versionScheme() == AppKind.VersionScheme.INTEGER ? Long.toString(v.code()) : v.name());
        sparkle(w, "shortVersionString", v.name());
        if (!r.channel().equals(Channels.STABLE)) {
            sparkle(w, "channel", r.channel());
        }
        if (v.minSystemVersion() != null && !v.minSystemVersion().isBlank()) {
            sparkle(w, "minimumSystemVersion", v.minSystemVersion());
        }
        if (r.forced()) {
            w.writeEmptyElement("sparkle", "criticalUpdate", NS);
        }
        if (r.partial()) {
            sparkle(w, "phasedRolloutInterval", Long.toString(PHASE_SECONDS));
        }
        if (!r.notes().isBlank()) {
            text(w, "description", r.notes());
        }
        w.writeEmptyElement("enclosure");
        w.writeAttribute("url", links.file(app, v, f));
        w.writeAttribute("length", Long.toString(f.size()));
        w.writeAttribute("type", "application/octet-stream");
        w.writeAttribute("sparkle", NS, "os", "macos");
        if (f.edSignature() != null && !f.edSignature().isEmpty()) {
            w.writeAttribute("sparkle", NS, "edSignature", f.edSignature());
        }
        w.writeEndElement();
    }

    private static void text(XMLStreamWriter w, String name, String value) throws XMLStreamException {
        w.writeStartElement(name);
        w.writeCharacters(value);
        w.writeEndElement();
    }

    private static void sparkle(XMLStreamWriter w, String name, String value) throws XMLStreamException {
        w.writeStartElement("sparkle", name, NS);
        w.writeCharacters(value);
        w.writeEndElement();
    }
}

package dev.upshift.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.upshift.core.rollout.RolloutEngine;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The "done when", in a real browser: headless Chromium (Debian's, through its chromedriver) signs up the
 * first owner from the printed setup link, creates an app, adds a version and drops its installer on the upload
 * area, starts a 10% rollout, sees signed update checks change, pauses the rollout, and finds all of it in the audit
 * log. Screenshots of the main pages go to {@code target/screenshots} (or {@code -Dupshift.screenshots=DIR}; the
 * README's come from {@code docs/screenshots}). Runs on SQLite: the database layer has its own tests on both engines.
 */
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final int DEVICES = 200;

    @TempDir
    Path dir;
    TestServer server;
    WebDriver driver;
    WebDriverWait wait;
    Path screenshots;

    @BeforeEach
    void start() throws IOException {
        boolean installed = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (System.getenv("CI") == null) {
            Assumptions.assumeTrue(installed, "chromium and chromium-driver are not installed (.ci/run installs them)");
        }
        assertThat(installed).as("CI must have /usr/bin/chromium and /usr/bin/chromedriver").isTrue();
        server = TestServer.start(TestDatabase.SQLITE, dir);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--lang=en-US");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        wait = new WebDriverWait(driver, Duration.ofSeconds(15));
        screenshots = Path.of(System.getProperty("upshift.screenshots", "target/screenshots"));
        Files.createDirectories(screenshots);
    }

    @AfterEach
    void stop() {
        if (driver != null) {
            driver.quit();
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void aNewOwnerReleasesAnAppToTenPercentPausesItAndReadsItInTheAuditLog() throws Exception {
        // 1. The link the server prints at first start: the setup code travels in the fragment.
        driver.get(server.base() + "/console/setup#code=" + TestServer.ADMIN_TOKEN);
        waitFor("setup-username");
        assertThat(driver.getCurrentUrl()).doesNotContain(TestServer.ADMIN_TOKEN); // the page drops the fragment
        shot("01-setup");
        type("setup-username", "olivia");
        type("setup-password", "a long owner passphrase");
        click("setup-submit");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("app-create-form")));

        // 2. An access key for the app's clients: the secret is shown once.
        driver.get(server.base() + "/console/access-keys");
        submit("access-key-create-form");
        WebElement secret = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("secret-value")));
        wait.until(d -> !secret.getText().isBlank());
        String secretKey = secret.getText().strip();
        driver.navigate().refresh(); // the secret is gone for good; the list shows the new key
        String accessKey = waitFor("access-keys-table").findElement(By.cssSelector("tbody tr th")).getText().strip();
        assertThat(driver.getPageSource()).doesNotContain(secretKey);
        TestServer.Key key = new TestServer.Key(accessKey, secretKey);

        // 3. A Windows app.
        driver.get(server.base() + "/console/");
        new Select(driver.findElement(By.id("app-kind"))).selectByValue("win");
        type("app-name", "Demo");
        type("app-package", "com.example.demo");
        shot("02-apps");
        submit("app-create-form");
        WebElement appKeyCode = waitFor("app-key");
        String app = appKeyCode.getText().strip();
        assertThat(driver.getCurrentUrl()).endsWith("/console/apps/" + app);

        // 4. Version 2.0.0 with its installer, dropped on the upload area.
        driver.get(server.base() + "/console/apps/" + app + "/versions/new");
        type("version-name", "2.0.0");
        type("version-code", "2");
        new Select(driver.findElement(By.id("version-arch"))).selectByValue("x64");
        submit("version-create-form");
        waitFor("artifact-drop");
        String versionPath = new java.net.URI(driver.getCurrentUrl()).getPath();
        long versionId = Long.parseLong(versionPath.substring(versionPath.lastIndexOf('/') + 1));
        ((JavascriptExecutor) driver).executeScript(
                "const data = new DataTransfer();"
                        + "data.items.add(new File([new Uint8Array(300000).fill(7)], 'Demo-Setup-2.0.0.exe'));"
                        + "document.getElementById('artifact-drop').dispatchEvent("
                        + "new DragEvent('drop', {dataTransfer: data, bubbles: true, cancelable: true}));");
        WebElement result = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("artifact-result")));
        byte[] installer = new byte[300000];
        java.util.Arrays.fill(installer, (byte) 7);
        String sha256 = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(installer));
        wait.until(d -> result.getText().contains(sha256));
        assertThat(driver.findElement(By.id("artifact-progress")).getAttribute("value")).isEqualTo("100");
        shot("03-version");

        // Before any rollout nobody is offered 2.0.0.
        List<String> devices = new ArrayList<>();
        for (int i = 0; i < DEVICES; i++) {
            devices.add("device-" + i);
        }
        assertThat(offered(key, app, devices)).isEmpty();

        // 5. A strategy for 2.0.0 at 10%.
        driver.get(server.base() + "/console/apps/" + app + "/strategies/new");
        new Select(driver.findElement(By.id("strategy-version"))).selectByValue(Long.toString(versionId));
        type("strategy-name", "Ten percent");
        WebElement slider = driver.findElement(By.id("rollout-percentage"));
        slider.click();
        for (int i = 0; i < 60; i++) {
            if (driver.findElement(By.id("rollout-percentage-number")).getAttribute("value").equals("10")) {
                break;
            }
            slider.sendKeys(Integer.parseInt(driver.findElement(By.id("rollout-percentage-number"))
                    .getAttribute("value")) > 10 ? org.openqa.selenium.Keys.ARROW_LEFT
                    : org.openqa.selenium.Keys.ARROW_RIGHT);
        }
        assertThat(driver.findElement(By.id("rollout-percentage-number")).getAttribute("value")).isEqualTo("10");
        shot("04-strategy-editor");
        submit("strategy-form");
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("strategy-state")));
        String strategyPath = new java.net.URI(driver.getCurrentUrl()).getPath();
        long strategyId = Long.parseLong(strategyPath.substring(strategyPath.lastIndexOf('/') + 1));

        // The check answer changes: exactly the devices in the strategy's first 10% of buckets get 2.0.0.
        List<String> expected = devices.stream().filter(d -> RolloutEngine.bucket(strategyId, d) < 1000).toList();
        assertThat(expected.size()).isBetween(5, 45);
        assertThat(offered(key, app, devices)).containsExactlyElementsOf(expected);

        // 6. Pause it, with a reason: nobody is offered it any more.
        click("strategy-pause");
        wait.until(ExpectedConditions.alertIsPresent()).sendKeys("crash reports from the field");
        driver.switchTo().alert().accept();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.id("strategy-resume")));
        assertThat(driver.findElement(By.id("strategy-state")).getText()).containsIgnoringCase("paused");
        assertThat(offered(key, app, devices)).isEmpty();

        // 7. The dashboard shows the checks; the audit log tells the whole story.
        driver.get(server.base() + "/console/apps/" + app);
        waitFor("chart-funnel");
        shot("05-dashboard");
        driver.get(server.base() + "/console/audit");
        WebElement table = waitFor("audit-table");
        String audit = table.getText();
        assertThat(audit).contains("setup.first_owner", "access_key.create", "app.create", "version.create",
                "artifact.attach", "strategy.create", "strategy.pause", "olivia");
        assertThat(audit).contains("crash reports from the field");
        shot("06-audit-log");

        // 8. The same console on a phone-sized screen.
        driver.manage().window().setSize(new Dimension(390, 844));
        driver.get(server.base() + "/console/apps/" + app + "/strategies/" + strategyId);
        waitFor("strategy-state");
        Long overflow = (Long) ((JavascriptExecutor) driver).executeScript(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth;");
        assertThat(overflow).as("horizontal overflow on a phone").isLessThanOrEqualTo(0L);
        shot("07-phone-strategy");
    }

    /** The devices that a signed win upgrade check from version 1 is offered an update. */
    private List<String> offered(TestServer.Key key, String app, List<String> devices) {
        List<String> out = new ArrayList<>();
        for (String d : devices) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("winKey", app);
            body.put("versionCode", 1);
            body.put("arch", "x64");
            body.put("devKey", d);
            JsonNode r = TestServer.parse(server.signedPost(key, "/v1/win/upgrade", TestServer.json(body)).body());
            assertThat(r.get("code").asInt()).as(r.toString()).isIn(0, 200);
            if (r.get("code").asInt() == 200) {
                out.add(d);
            }
        }
        return out;
    }

    private WebElement waitFor(String id) {
        return wait.until(ExpectedConditions.visibilityOfElementLocated(By.id(id)));
    }

    private void type(String id, String text) {
        WebElement e = waitFor(id);
        e.clear();
        e.sendKeys(text);
    }

    private void click(String id) {
        wait.until(ExpectedConditions.elementToBeClickable(By.id(id))).click();
    }

    /** Submits a form the way a keyboard user does: its submit button. */
    private void submit(String formId) {
        WebElement form = waitFor(formId);
        form.findElement(By.cssSelector("button[type=submit], button:not([type])")).click();
    }

    private void shot(String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), screenshots.resolve(name + ".png"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}

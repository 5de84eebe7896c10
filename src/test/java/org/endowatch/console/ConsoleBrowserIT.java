package org.endowatch.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.imageio.ImageIO;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.endowatch.contract.AlertEvent;
import org.endowatch.contract.DeadLetter;
import org.endowatch.contract.Frame;
import org.endowatch.contract.Heatmap;
import org.endowatch.contract.ProcedureEvent;
import org.endowatch.contract.Score;
import org.endowatch.contract.Topics;
import org.endowatch.ingest.SyntheticColon;
import org.endowatch.testing.Cli;
import org.endowatch.testing.TestFrames;
import org.endowatch.testing.KafkaCluster;
import org.endowatch.testing.RealKafka;
import org.endowatch.testing.TopicWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser (Debian's headless Chromium, installed by .ci/run) against a
 * real broker fed with a procedure's frames, scores, heatmaps and alerts as the scorer writes them.
 */
@ExtendWith(RealKafka.class)
class ConsoleBrowserIT {
  static final String ID = "browser-1";
  /** Frames 30..59 show a lesion; the alert runs from 32 to 62. */
  static final int LESION_FROM = 30;
  static final int LESION_TO = 59;
  static final int RELEASED_AT = 70;
  /** A procedure whose frame records lose their headers while the scorer rejects {@link #ID}'s: known by its dead letters alone. */
  static final String BROKEN = "browser-broken";
  /** A procedure whose ingest host's clock runs 3 s ahead of the scorer's. */
  static final String AHEAD = "browser-ahead";

  @Test
  void showsTheProcedureAdvancesTheTimelineListsTheAlertAndTogglesTheOverlay(KafkaCluster kafka, @TempDir Path dir)
      throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Scorer> scorer = new AtomicReference<>(Scorer.SCORING);
    AtomicInteger rejected = new AtomicInteger();
    Thread feeder = new Thread(() -> feed(kafka, stop, scorer, rejected), "feeder");
    try (Console console = console(kafka, null)) {
      feeder.start();
      WebDriver browser = chromium(dir);
      try {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(60));
        // Rows and alert items are re-rendered as updates arrive: find them again rather than hold them.
        wait.ignoring(StaleElementReferenceException.class);
        browser.get("http://127.0.0.1:" + console.port() + "/");

        // The tone is asked for before the alert comes (a click: browsers allow sound only after one).
        click(wait, By.id("sound"));
        // A person's click, the button held a moment, on the row of a procedure whose row is updated
        // meanwhile (two live rooms, ten summaries a second each): the row stays put and takes it.
        By aheadRow = By.cssSelector("tr[data-id='" + AHEAD + "']");
        wait.until(d -> d.findElement(aheadRow).getText().contains("live"));
        // (the banner saying the console reads the topics' history gone: it moves the rows up as it goes)
        wait.until(d -> !d.findElement(By.id("source")).isDisplayed());
        new Actions(browser).clickAndHold(browser.findElement(aheadRow)).pause(Duration.ofMillis(400)).release().perform();
        new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> d.findElement(By.id("title")).getText().equals(AHEAD));
        click(wait, By.cssSelector("tr[data-id='" + ID + "']"));
        WebElement timeline = wait.until(d -> d.findElement(By.id("timeline")));
        wait.until(d -> points(timeline) > 0);
        int before = points(timeline);
        wait.until(d -> points(timeline) > before + 5);
        By alert = By.cssSelector("#alerts li[data-alert='" + ID + "/32']");
        wait.until(d -> d.findElement(alert).getText().contains("frames 32–62 · peak 45"));
        // One alert started while the page was open: one cue, and the tab's title is plain again once it ended.
        assertThat(browser.findElement(By.tagName("body")).getAttribute("data-cues")).isEqualTo("1");
        wait.until(d -> d.getTitle().equals("endowatch console"));
        assertThat(((JavascriptExecutor) browser).executeScript("return audio && audio.state")).isNotNull();

        // The room whose ingest clock runs ahead: its latency is negative, and the page says why.
        wait.until(d -> d.findElement(By.cssSelector("tr[data-id='" + AHEAD + "'] td:nth-child(6)")).getText()
            .equals("-3000 ms (ingest clock ahead)"));

        // Review the alert's peak frame (the view stops following live frames), then toggle the overlay.
        click(wait, alert);
        WebElement frame = browser.findElement(By.id("frame"));
        wait.until(d -> "45".equals(frame.getAttribute("data-index")));
        Thread.sleep(300);
        String withOverlay = canvas(browser);
        assertThat(frame.getAttribute("data-overlay")).isEqualTo("on");
        browser.findElement(By.id("overlay")).click();
        assertThat(frame.getAttribute("data-overlay")).isEqualTo("off");
        assertThat(canvas(browser)).as("the heatmap is drawn only with the overlay on").isNotEqualTo(withOverlay);
        browser.findElement(By.id("overlay")).click();
        assertThat(canvas(browser)).isEqualTo(withOverlay);

        Path shot = Path.of("target", "console-screenshot.png");
        Files.createDirectories(shot.getParent());
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));

        // A model released mid-procedure: the page names both and draws each one's threshold for its frames.
        wait.until(d -> d.findElement(By.id("models")).getText().equals("models: browser-model (threshold 0.5000, frames 0–69)"
            + " · browser-model-2 (threshold 0.6000, frames 70 on)"));
        wait.until(d -> "0:0.5 70:0.6".equals(d.findElement(By.id("timeline")).getAttribute("data-thresholds")));

        // The scorer skips every frame as stale: outcomes come, yet the page must say no alert can come.
        By row = By.cssSelector("tr[data-id='" + ID + "'] td:nth-child(2)");
        // Rows are re-rendered with every summary: read the cell inside a wait that retries a stale one.
        wait.until(d -> d.findElement(row).getText().equals("live"));
        scorer.set(Scorer.SKIPPING);
        new WebDriverWait(browser, Duration.ofMillis(ConsoleStore.UNSCORED_MS + 10_000))
            .ignoring(StaleElementReferenceException.class).until(d -> d.findElement(row).getText()
                .matches("NOT SCORED \\(\\d+ s, every frame skipped as stale\\)"));
        // It rejects every frame to the dead-letter topic: the page says why, which is what to fix.
        scorer.set(Scorer.REJECTING);
        new WebDriverWait(browser, Duration.ofMillis(ConsoleStore.UNSCORED_MS + 10_000))
            .ignoring(StaleElementReferenceException.class).until(d -> d.findElement(row).getText()
                .matches("NOT SCORED \\(\\d+ s, frames rejected: " + REJECTED_BECAUSE + "\\)"));
        // Its open timeline marks each rejected frame; the newest, clicked at the timeline's right
        // end, says it was not scored and why.
        wait.until(d -> rejectionMarks(d.findElement(By.id("timeline"))) >= 3);
        new Actions(browser).moveToElement(browser.findElement(By.id("timeline")), 445, 0).click().perform();
        wait.until(d -> d.findElement(By.id("frameinfo")).getText()
            .matches("frame \\d+ · rejected by the scorer, not scored \\(" + REJECTED_BECAUSE + "\\)"));
        long clicked = Long.parseLong(browser.findElement(By.id("frameinfo")).getText().split(" ")[1]);
        assertThat(((JavascriptExecutor) browser).executeScript("return sel.rejections.has(" + clicked + ")")).isEqualTo(true);
        // Meanwhile a camera whose records arrive broken: the console cannot read them, the scorer's
        // dead letters alone make its row, with what to fix.
        new WebDriverWait(browser, Duration.ofMillis(ConsoleStore.UNSCORED_MS + 10_000))
            .ignoring(StaleElementReferenceException.class).until(d -> d.findElement(By.cssSelector("tr[data-id='" + BROKEN
                + "'] td:nth-child(2)")).getText().matches("NOT SCORED \\(\\d+ s, frames rejected: " + BROKEN_BECAUSE + "\\)"));
        // Opened, it has no frame to show: the pane says why, and where the rejected frames are.
        click(wait, By.cssSelector("tr[data-id='" + BROKEN + "']"));
        wait.until(d -> d.findElement(By.id("frameinfo")).getText().matches("no frame scored: \\d+ sent to the dead-letter topic \\("
            + BROKEN_BECAUSE + "\\); endowatch dead-letters --procedure " + BROKEN + " lists them"));
        // Then it goes down while frames keep coming: no outcome at all.
        scorer.set(Scorer.DOWN);
        new WebDriverWait(browser, Duration.ofMillis(ConsoleStore.UNSCORED_MS + 10_000))
            .ignoring(StaleElementReferenceException.class).until(d -> d.findElement(row).getText().matches("NOT SCORED \\(\\d+ s behind\\)"));
        // The procedure stops sending with its recording still started (ingest killed, the camera
        // link lost): no record says so, yet the open page must show it, and not as an end.
        stop.set(true);
        feeder.join(10_000);
        new WebDriverWait(browser, Duration.ofMillis(ConsoleStore.LIVE_MS + 10_000))
            .ignoring(StaleElementReferenceException.class).until(d -> d.findElement(row).getText()
                .matches("FRAMES STOPPED \\(since .+, no end of recording\\)"));
        assertThat(browser.findElement(By.cssSelector("tr[data-id='" + ID + "']")).getAttribute("class")).contains("unscored");
        // Ingest, restarted, says the recording ended after all: ended.
        long endedAt = System.currentTimeMillis();
        TopicWriter.send(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().serializer(), ID,
            List.of(ProcedureEvent.ended(ID, endedAt, "test", 0, ProcedureEvent.STOPPED)));
        // An alert the scorer then ends at the recording's last frame says so in the procedure's list.
        TopicWriter.send(kafka, Topics.ALERTS.name(), Topics.ALERTS.valueSerde().serializer(), ID, List.of(
            new AlertEvent(AlertEvent.START, ID + "/70", ID, 70, 72, 72, 0.8, null, endedAt - 2_000, endedAt - 1_900,
                "browser-model", null),
            new AlertEvent(AlertEvent.END, ID + "/70", ID, 70, 75, 72, 0.8, null, endedAt - 2_000, endedAt, "browser-model",
                AlertEvent.RECORDING_ENDED)));
        new WebDriverWait(browser, Duration.ofSeconds(10))
            .ignoring(StaleElementReferenceException.class).until(d -> d.findElement(row).getText().equals("ended"));
        // Every frame it rejected stays counted on its row, where the dead-letter topic holds them,
        // and marked on its timeline; the broken camera's have no frame index to be marked at.
        assertThat(rejected.get()).isPositive();
        wait.until(d -> d.findElement(By.cssSelector("tr[data-id='" + ID + "'] td:nth-child(7)")).getText()
            .equals(String.valueOf(rejected.get())));
        assertThat(rejectionMarks(browser.findElement(By.id("timeline")))).isZero();
        click(wait, By.cssSelector("tr[data-id='" + ID + "']"));
        wait.until(d -> rejectionMarks(d.findElement(By.id("timeline"))) == rejected.get());
        wait.until(d -> d.findElement(By.cssSelector("#alerts li[data-alert='" + ID + "/70']")).getText()
            .equals("frames 70–75 · peak 72 · 0.8000 · recording ended during the alert"));
      } finally {
        browser.quit();
      }
    } finally {
      stop.set(true);
      feeder.join(10_000);
    }
  }

  /** A procedure opened while its alert and scores arrive. */
  static final String LATE = "browser-late";
  /** The row clicked while {@link #LATE}'s view is still being fetched. */
  static final String OTHER = "browser-other";

  /**
   * Holds the page's next fetch of the path given until the test calls {@code window.release()}: a
   * slow answer to opening a row, whose view was read before what the SSE stream pushes meanwhile.
   */
  static final String HOLD_NEXT_FETCH = """
      const path = arguments[0], real = window.fetch;
      window.release = null;
      window.fetch = async (u, ...rest) => {
        const r = await real(u, ...rest);
        if (new URL(u, location.href).pathname === path) {
          window.fetch = real;
          await new Promise(resolve => window.release = resolve);
        }
        return r;
      };
      """;

  @Test
  void aViewOpenedWhileRecordsArriveMissesNoneAddsNoneTwiceOpensOnTheLastClickAndTakesHeldClicksAndKeys(
      KafkaCluster kafka, @TempDir Path dir) throws Exception {
    try (Console console = console(kafka, null)) {
      WebDriver browser = chromium(dir);
      try {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.ignoring(StaleElementReferenceException.class);
        JavascriptExecutor js = (JavascriptExecutor) browser;
        browser.get("http://127.0.0.1:" + console.port() + "/");
        scores(kafka, LATE, 0, 5);
        scores(kafka, OTHER, 0, 2);
        By lateState = By.cssSelector("tr[data-id='" + LATE + "'] td:nth-child(2)");
        wait.until(d -> d.findElement(lateState).getText().equals("live"));
        wait.until(d -> d.findElement(By.cssSelector("tr[data-id='" + OTHER + "']")).isDisplayed());

        // The view is read, then held; meanwhile five more frames are scored and an alert starts.
        js.executeScript(HOLD_NEXT_FETCH, "/api/procedures/" + LATE);
        click(wait, By.cssSelector("tr[data-id='" + LATE + "']"));
        wait.until(d -> js.executeScript("return typeof window.release === 'function'"));
        long ts = System.currentTimeMillis();
        TopicWriter.send(kafka, Topics.ALERTS.name(), Topics.ALERTS.valueSerde().serializer(), LATE,
            List.of(new AlertEvent(AlertEvent.START, LATE + "/7", LATE, 7, 7, 7, 0.8, null, ts, ts, "browser-model", null)));
        scores(kafka, LATE, 5, 5);
        // The page has heard both: the row (pushed after the alert) is in alert, its last score frame 9's.
        wait.until(d -> d.findElement(By.cssSelector("tr[data-id='" + LATE + "'] td:nth-child(5)")).getText().equals("ALERT"));
        wait.until(d -> d.findElement(By.cssSelector("tr[data-id='" + LATE + "'] td:nth-child(4)")).getText().equals("0.3900"));
        js.executeScript("window.release()");
        wait.until(d -> d.findElement(By.cssSelector("#alerts li[data-alert='" + LATE + "/7']")).isDisplayed());
        // Every point, while it is live: the next summary would come only as it ends, 15 s on.
        wait.until(d -> points(d.findElement(By.id("timeline"))) == 10);
        assertThat(browser.findElement(lateState).getText()).isEqualTo("live");
        assertThat(browser.findElement(By.id("title")).getText()).isEqualTo(LATE);

        // A person's held click on the open alert while its peak climbs (an update every 50 ms): the
        // view goes to review at its peak.
        AtomicBoolean climbing = new AtomicBoolean(true);
        Thread updates = new Thread(() -> climb(kafka, climbing, ts), "climbing");
        updates.start();
        try {
          By item = By.cssSelector("#alerts li[data-alert='" + LATE + "/7']");
          wait.until(d -> d.findElement(item).getText().contains("peak 8"));
          new Actions(browser).clickAndHold(browser.findElement(item)).pause(Duration.ofMillis(400)).release().perform();
          new WebDriverWait(browser, Duration.ofSeconds(5)).until(d -> d.findElement(By.id("mode")).getText().equals("review"));
        } finally {
          climbing.set(false);
          updates.join(10_000);
        }
        click(wait, By.id("live"));

        // A click on another row while this one's answer is held: the other opens and stays open.
        js.executeScript(HOLD_NEXT_FETCH, "/api/procedures/" + LATE);
        click(wait, By.cssSelector("tr[data-id='" + LATE + "']"));
        wait.until(d -> js.executeScript("return typeof window.release === 'function'"));
        click(wait, By.cssSelector("tr[data-id='" + OTHER + "']"));
        wait.until(d -> d.findElement(By.id("title")).getText().equals(OTHER));
        wait.until(d -> points(d.findElement(By.id("timeline"))) == 2);
        // Absence can only be waited for: the held answer released, then a second for it to land.
        js.executeAsyncScript("const done = arguments[arguments.length - 1]; window.release(); setTimeout(done, 1000);");
        assertThat(browser.findElement(By.id("title")).getText()).isEqualTo(OTHER);
        assertThat(points(browser.findElement(By.id("timeline")))).isEqualTo(2);

        // A view's pull of missed points answering after the procedure was closed and opened again:
        // the new view read them itself, and they are not added twice.
        click(wait, By.cssSelector("tr[data-id='" + LATE + "']"));
        wait.until(d -> d.findElement(By.id("title")).getText().equals(LATE) && points(d.findElement(By.id("timeline"))) == 10);
        js.executeScript(HOLD_NEXT_FETCH, "/api/procedures/" + LATE + "/timeline");
        scores(kafka, LATE, 10, 2);
        wait.until(d -> js.executeScript("return typeof window.release === 'function'"));
        click(wait, By.cssSelector("tr[data-id='" + OTHER + "']"));
        wait.until(d -> d.findElement(By.id("title")).getText().equals(OTHER));
        click(wait, By.cssSelector("tr[data-id='" + LATE + "']"));
        wait.until(d -> d.findElement(By.id("title")).getText().equals(LATE) && points(d.findElement(By.id("timeline"))) == 12);
        js.executeAsyncScript("const done = arguments[arguments.length - 1]; window.release(); setTimeout(done, 1000);");
        assertThat(points(browser.findElement(By.id("timeline")))).isEqualTo(12);

        // By keyboard: a row and an alert item take Enter as a click.
        browser.findElement(By.cssSelector("tr[data-id='" + OTHER + "']")).sendKeys(Keys.ENTER);
        wait.until(d -> d.findElement(By.id("title")).getText().equals(OTHER));
        browser.findElement(By.cssSelector("tr[data-id='" + LATE + "']")).sendKeys(Keys.ENTER);
        wait.until(d -> d.findElement(By.id("title")).getText().equals(LATE) && d.findElement(By.id("mode")).getText().equals("live"));
        browser.findElement(By.cssSelector("#alerts li[data-alert='" + LATE + "/7']")).sendKeys(Keys.ENTER);
        wait.until(d -> d.findElement(By.id("mode")).getText().equals("review"));
      } finally {
        browser.quit();
      }
    }
  }

  @Test
  void aPageOpenedAgainWithTheToneTickedSaysItWaitsForAClickAndTheFirstReadiesIt(KafkaCluster kafka, @TempDir Path dir)
      throws Exception {
    try (Console console = console(kafka, null)) {
      WebDriver browser = chromium(dir);
      try {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        browser.get("http://127.0.0.1:" + console.port() + "/");
        click(wait, By.id("sound"));
        assertThat(browser.findElement(By.id("tonehint")).isDisplayed()).isFalse();
        // Opened again (a wall display each morning): the box remembered, the sound not yet allowed.
        browser.navigate().refresh();
        wait.until(d -> d.findElement(By.id("sound")).isSelected() && d.findElement(By.id("tonehint")).isDisplayed());
        assertThat(browser.findElement(By.id("tonehint")).getText())
            .isEqualTo("the tone sounds only once this page has had a click: click anywhere on it");
        new Actions(browser).moveToElement(browser.findElement(By.tagName("h1"))).click().perform();
        wait.until(d -> !d.findElement(By.id("tonehint")).isDisplayed());
        wait.until(d -> "running".equals(((JavascriptExecutor) d).executeScript("return audio && audio.state")));
      } finally {
        browser.quit();
      }
    }
  }

  /** A procedure watched through a reverse proxy. */
  static final String PROXIED = "browser-proxied";
  static final String TOKEN = "a-long-enough-console-token";

  @Test
  void underAReverseProxysPrefixWithItsTokenThePageWorksAndWithoutItSaysWhatToDo(KafkaCluster kafka, @TempDir Path dir)
      throws Exception {
    try (Console console = console(kafka, TOKEN);
         PrefixProxy proxy = new PrefixProxy("/endowatch", "http://127.0.0.1:" + console.port())) {
      WebDriver browser = chromium(dir);
      try {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.ignoring(StaleElementReferenceException.class);
        String page = proxy.page();
        browser.get(page);
        wait.until(d -> d.findElement(By.id("source")).getText().equals("This console needs its token: open " + page
            + "?token=TOKEN, with the token it was started with (--token or ENDOWATCH_CONSOLE_TOKEN)."));
        assertThat(browser.findElement(By.id("procedures")).findElements(By.cssSelector("tbody tr"))).isEmpty();
        browser.get(page + "?token=not-" + TOKEN);
        wait.until(d -> d.findElement(By.id("source")).getText().startsWith("The token this page was opened with is not the console's: open "));

        browser.get(page + "?token=" + TOKEN);
        scores(kafka, PROXIED, 0, 3);
        long ts = System.currentTimeMillis();
        TopicWriter.send(kafka, Topics.ALERTS.name(), Topics.ALERTS.valueSerde().serializer(), PROXIED,
            List.of(new AlertEvent(AlertEvent.START, PROXIED + "/1", PROXIED, 1, 1, 1, 0.8, null, ts, ts, "browser-model", null)));
        // Its script ran, its style applies, and its data and pushed updates came through the prefix.
        click(wait, By.cssSelector("tr[data-id='" + PROXIED + "']"));
        wait.until(d -> points(d.findElement(By.id("timeline"))) == 3);
        wait.until(d -> d.findElement(By.cssSelector("#alerts li[data-alert='" + PROXIED + "/1']")).isDisplayed());
        assertThat(browser.findElement(By.tagName("body")).getCssValue("background-color")).isEqualTo("rgba(17, 17, 17, 1)");
        assertThat(browser.findElement(By.id("connection")).getText()).isEqualTo("connected");
        // The token went into the page's cookie and out of its address and of every request's but
        // the page's own (the frames of the alert list's images included): proxies log addresses.
        assertThat(browser.getCurrentUrl()).isEqualTo(page);
        wait.until(d -> ((Boolean) ((JavascriptExecutor) d).executeScript(
            "return [...document.querySelectorAll('#alerts img')].every(i => i.complete)")));
        assertThat(proxy.addressesWithAToken()).containsExactly("/endowatch/?token=not-" + TOKEN, "/endowatch/?token=" + TOKEN);
        // Opened again without it, in the same browser: the cookie still says who it is.
        browser.get(page);
        wait.until(d -> d.findElement(By.cssSelector("tr[data-id='" + PROXIED + "']")).isDisplayed());
      } finally {
        browser.quit();
      }
    }
  }

  /** A procedure whose page loses its event stream while it ends. */
  static final String CUT = "browser-cut";

  @Test
  void aPageWhoseStreamItsProxyCutAndRefusedConnectsAgainAndShowsWhatHappenedMeanwhile(KafkaCluster kafka, @TempDir Path dir)
      throws Exception {
    try (Console console = console(kafka, null);
         PrefixProxy proxy = new PrefixProxy("/endowatch", "http://127.0.0.1:" + console.port())) {
      WebDriver browser = chromium(dir);
      try {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(30));
        wait.ignoring(StaleElementReferenceException.class);
        browser.get(proxy.page());
        scores(kafka, CUT, 0, 3);
        By state = By.cssSelector("tr[data-id='" + CUT + "'] td:nth-child(2)");
        wait.until(d -> d.findElement(state).getText().equals("live"));
        click(wait, By.cssSelector("tr[data-id='" + CUT + "']"));
        wait.until(d -> points(d.findElement(By.id("timeline"))) == 3);

        // The console restarts behind the proxy: the stream is cut, and asking again gets a 502.
        // Meanwhile an alert starts: once connected again, the page lists it and cues it.
        proxy.down();
        wait.until(d -> d.findElement(By.id("connection")).getText().equals("reconnecting…"));
        long ts = System.currentTimeMillis();
        scores(kafka, CUT, 3, 1);
        TopicWriter.send(kafka, Topics.ALERTS.name(), Topics.ALERTS.valueSerde().serializer(), CUT,
            List.of(new AlertEvent(AlertEvent.START, CUT + "/2", CUT, 2, 3, 3, 0.8, null, ts, ts, "browser-model", null)));
        wait.until(d -> console.store().summaries().stream().anyMatch(s -> s.id().equals(CUT) && s.live() && s.alerting()));
        // A browser gives up on an event stream answered with anything but the stream.
        wait.until(d -> proxy.refusedStreams() > 0);
        proxy.up();
        wait.until(d -> d.findElement(By.id("connection")).getText().equals("connected"));
        wait.until(d -> d.findElement(By.cssSelector("#alerts li[data-alert='" + CUT + "/2']")).isDisplayed());
        wait.until(d -> CUT.equals(d.findElement(By.tagName("body")).getAttribute("data-last-cue")));
        wait.until(d -> points(d.findElement(By.id("timeline"))) == 4);

        // Cut again, and the recording ends meanwhile: once connected again, the page says it ended.
        int refused = proxy.refusedStreams();
        proxy.down();
        wait.until(d -> d.findElement(By.id("connection")).getText().equals("reconnecting…"));
        TopicWriter.send(kafka, Topics.PROCEDURES.name(), Topics.PROCEDURES.valueSerde().serializer(), CUT,
            List.of(ProcedureEvent.ended(CUT, System.currentTimeMillis(), "test", 0, ProcedureEvent.STOPPED)));
        wait.until(d -> console.store().summaries().stream().anyMatch(s -> s.id().equals(CUT) && !s.live()));
        wait.until(d -> proxy.refusedStreams() > refused);
        proxy.up();
        wait.until(d -> d.findElement(By.id("connection")).getText().equals("connected"));
        wait.until(d -> d.findElement(state).getText().equals("ended"));
        assertThat(browser.findElement(By.id("title")).getText()).isEqualTo(CUT);
      } finally {
        browser.quit();
      }
    }
  }

  /**
   * A reverse proxy as a unit would put in front of the console: {@code prefix/...} forwarded to
   * {@code target/...}, query and all, answers streamed through (the page's event stream with them).
   * {@link #down()} stands for the console restarting behind it: open answers cut, and every request
   * answered 502, as nginx does when nothing listens behind it, until {@link #up()}.
   */
  static final class PrefixProxy implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final Set<HttpExchange> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger refusedStreams = new AtomicInteger();
    private final List<String> addressesWithAToken = new java.util.concurrent.CopyOnWriteArrayList<>();
    private volatile boolean down;

    PrefixProxy(String prefix, String target) throws IOException {
      HttpClient client = HttpClient.newHttpClient();
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.setExecutor(threads);
      server.createContext(prefix + "/", ex -> {
        try (ex) {
          URI asked = ex.getRequestURI();
          if (asked.getRawQuery() != null && asked.getRawQuery().contains("token=")) {
            addressesWithAToken.add(asked.getRawPath() + "?" + asked.getRawQuery());
          }
          if (down) {
            if (asked.getRawPath().endsWith("/api/events")) {
              refusedStreams.incrementAndGet();
            }
            ex.sendResponseHeaders(502, -1);
            return;
          }
          open.add(ex);
          String query = asked.getRawQuery() == null ? "" : "?" + asked.getRawQuery();
          HttpRequest.Builder forward = HttpRequest.newBuilder(URI.create(target + asked.getRawPath().substring(prefix.length()) + query));
          for (String h : List.of("Cookie", "Authorization", "Accept-Encoding")) {
            ex.getRequestHeaders().getOrDefault(h, List.of()).forEach(v -> forward.header(h, v));
          }
          HttpResponse<InputStream> r = client.send(forward.build(), BodyHandlers.ofInputStream());
          for (String h : List.of("Content-Type", "Content-Encoding", "Cache-Control")) {
            r.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().set(h, v));
          }
          ex.sendResponseHeaders(r.statusCode(), 0);
          try (InputStream in = r.body(); OutputStream out = ex.getResponseBody()) {
            byte[] buffer = new byte[8192];
            for (int n; !down && (n = in.read(buffer)) > 0; ) {
              out.write(buffer, 0, n);
              out.flush();
            }
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } finally {
          open.remove(ex);
        }
      });
      server.start();
    }

    String page() {
      return "http://127.0.0.1:" + server.getAddress().getPort() + "/endowatch/";
    }

    void down() {
      down = true;
      open.forEach(HttpExchange::close);
    }

    void up() {
      down = false;
    }

    /** The addresses asked for through it that held a token, in order. */
    List<String> addressesWithAToken() {
      return addressesWithAToken;
    }

    /** How often the page asked for its event stream while down. */
    int refusedStreams() {
      return refusedStreams.get();
    }

    @Override
    public void close() {
      server.stop(0);
      threads.shutdownNow();
    }
  }

  /** Updates of {@link #LATE}'s open alert, a new peak every 50 ms, until told to stop. */
  static void climb(KafkaCluster kafka, AtomicBoolean climbing, long startedMs) {
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.settings().clientProps(), new StringSerializer(),
        new ByteArraySerializer())) {
      for (int k = 1; climbing.get(); k++) {
        AlertEvent a = new AlertEvent(AlertEvent.UPDATE, LATE + "/7", LATE, 7, 7 + k, 7 + k, 0.8 + 0.001 * k, null, startedMs,
            System.currentTimeMillis(), "browser-model", null);
        producer.send(new ProducerRecord<>(Topics.ALERTS.name(), LATE, Topics.ALERTS.valueSerde().serializer().serialize("", a)));
        producer.flush();
        Thread.sleep(50);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Scored outcomes of frames {@code from} on, captured now, scoring 0.3 + 0.01 x index. */
  static void scores(KafkaCluster kafka, String id, int from, int count) throws Exception {
    long ts = System.currentTimeMillis();
    List<Score> outcomes = new java.util.ArrayList<>();
    for (int i = from; i < from + count; i++) {
      outcomes.add(Score.scored(id, i, ts, ts + 30, 0.3 + 0.01 * i, 0.5, "browser-model"));
    }
    TopicWriter.send(kafka, Topics.SCORES.name(), Topics.SCORES.valueSerde().serializer(), id, outcomes);
  }

  /** A console on the shared broker's topics (applied first), on a free port of this machine. */
  record Console(ConsoleStore store, ConsoleFeed feed, ConsoleServer server) implements AutoCloseable {
    int port() {
      return server.port();
    }

    @Override
    public void close() {
      server.close();
      feed.close();
    }
  }

  /** {@code token} null: none asked. */
  static Console console(KafkaCluster kafka, String token) {
    assertThat(Cli.run("topics", "apply", "--bootstrap", kafka.bootstrapServers()).exitCode()).isZero();
    ConsoleStore store = new ConsoleStore(System::currentTimeMillis);
    ConsoleFeed feed = new ConsoleFeed(kafka.settings().clientProps(), store);
    try {
      return new Console(store, feed, new ConsoleServer("127.0.0.1", 0, store, feed, new Access(token, System::currentTimeMillis)));
    } catch (RuntimeException e) {
      feed.close();
      throw e;
    }
  }

  static void click(WebDriverWait wait, By by) {
    wait.until(d -> {
      d.findElement(by).click();
      return true;
    });
  }

  static WebDriver chromium(Path dir) {
    File binary = new File("/usr/bin/chromium");
    File driver = new File("/usr/bin/chromedriver");
    if (!binary.canExecute() || !driver.canExecute()) {
      throw new IllegalStateException("this test needs Debian's chromium and chromium-driver: apt-get install chromium chromium-driver (.ci/run does)");
    }
    ChromeOptions o = new ChromeOptions();
    o.setBinary(binary);
    o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--user-data-dir=" + dir.resolve("chromium"), "--window-size=1400,1100");
    return new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(driver).build(), o);
  }

  static int rejectionMarks(WebElement timeline) {
    String r = timeline.getAttribute("data-rejections");
    return r == null ? 0 : Integer.parseInt(r);
  }

  static int points(WebElement timeline) {
    String p = timeline.getAttribute("data-points");
    return p == null ? 0 : Integer.parseInt(p);
  }

  static String canvas(WebDriver browser) {
    return (String) ((JavascriptExecutor) browser).executeScript("return document.getElementById('frame').toDataURL()");
  }

  /** What the stand-in scorer does with each frame. */
  enum Scorer { SCORING, SKIPPING, REJECTING, DOWN }

  static final String REJECTED_BECAUSE = "frame image is not a decodable JPEG";
  /** What the scorer says of a frame record without headers (the frame contract's own words). */
  static final String BROKEN_BECAUSE = "frame is missing header '" + org.endowatch.contract.FrameSerde.H_PROCEDURE + "'";

  /**
   * Writes what ingest and the scorer would, at 10 frames per second, until stopped: outcomes as
   * {@code scorer} says (scored, skipped as stale, dead-lettered, or frames only once it is down).
   */
  static void feed(KafkaCluster kafka, AtomicBoolean stop, AtomicReference<Scorer> scorer, AtomicInteger rejected) {
    Properties p = kafka.settings().clientProps();
    // As ingest's producer: on topics just created, a first batch can fail NOT_LEADER while the next
    // is accepted, and the retried first is then refused as out of sequence for ever; every flush
    // below then waited the delivery timeout, longer than the page's waits (seen once the catalog's
    // seventh topic made the leaders settle later).
    p.put("max.in.flight.requests.per.connection", "1");
    SyntheticColon colon = new SyntheticColon(128, 128, 3);
    try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
      // As ingest does: the recording started (it never says it ended: the test's feed just stops).
      producer.send(new ProducerRecord<>(Topics.PROCEDURES.name(), ID, Topics.PROCEDURES.valueSerde().serializer()
          .serialize("", ProcedureEvent.started(ID, System.currentTimeMillis(), "test", 0))));
      for (int i = 0; !stop.get(); i++) {
        long ts = System.currentTimeMillis();
        boolean lesion = i >= LESION_FROM && i <= LESION_TO;
        ByteArrayOutputStream jpeg = new ByteArrayOutputStream();
        ImageIO.write(colon.frame(i, lesion).image(), "jpg", jpeg);
        Frame f = new Frame(ID, i, ts, 128, 128, Frame.JPEG, "test", jpeg.toByteArray());
        var headers = new org.apache.kafka.common.header.internals.RecordHeaders();
        byte[] image = Topics.FRAMES.valueSerde().serializer().serialize(Topics.FRAMES.name(), headers, f);
        producer.send(new ProducerRecord<>(Topics.FRAMES.name(), null, ts, ID, image, headers));
        if (scorer.get() == Scorer.DOWN || scorer.get() == Scorer.REJECTING) {
          if (scorer.get() == Scorer.REJECTING) {   // as the scorer dead-letters: the record kept whole, with why
            DeadLetter d = TestFrames.deadLetter(f, REJECTED_BECAUSE, ts + 20);
            var dlqHeaders = new org.apache.kafka.common.header.internals.RecordHeaders();
            byte[] kept = Topics.FRAMES_DLQ.valueSerde().serializer().serialize(Topics.FRAMES_DLQ.name(), dlqHeaders, d);
            producer.send(new ProducerRecord<>(Topics.FRAMES_DLQ.name(), null, ts, ID, kept, dlqHeaders));
            rejected.incrementAndGet();
            // The broken camera's dead letter (timed when it failed). Its record itself, headers lost,
            // stays off the shared frames topic: other tests read that topic whole and would stop at it.
            DeadLetter lost = new DeadLetter(BROKEN_BECAUSE, Topics.FRAMES.name(), 0, i, ts + 20, List.of(), f.image());
            var lostHeaders = new org.apache.kafka.common.header.internals.RecordHeaders();
            byte[] lostKept = Topics.FRAMES_DLQ.valueSerde().serializer().serialize(Topics.FRAMES_DLQ.name(), lostHeaders, lost);
            producer.send(new ProducerRecord<>(Topics.FRAMES_DLQ.name(), null, ts, BROKEN, lostKept, lostHeaders));
          }
          producer.flush();
          Thread.sleep(100);
          continue;
        }
        double score = lesion ? 0.7 + 0.01 * Math.min(15, i - LESION_FROM) : 0.2;
        // A release reaches the scorer mid-procedure: its threshold judges frames from RELEASED_AT on.
        Score outcome = scorer.get() == Scorer.SKIPPING ? Score.skipped(ID, i, ts, ts + 2_500, 0.6, "browser-model-2", "stale")
            : i < RELEASED_AT ? Score.scored(ID, i, ts, ts + 30, score, 0.5, "browser-model")
            : Score.scored(ID, i, ts, ts + 30, score, 0.6, "browser-model-2");
        producer.send(new ProducerRecord<>(Topics.SCORES.name(), ID, Topics.SCORES.valueSerde().serializer().serialize("", outcome)));
        // A room whose ingest host's clock runs 3 s ahead of the scorer's: scored "before" captured.
        Frame ahead = new Frame(AHEAD, i, ts, 128, 128, Frame.JPEG, "test", jpeg.toByteArray());
        var aheadHeaders = new org.apache.kafka.common.header.internals.RecordHeaders();
        producer.send(new ProducerRecord<>(Topics.FRAMES.name(), null, ts, AHEAD,
            Topics.FRAMES.valueSerde().serializer().serialize(Topics.FRAMES.name(), aheadHeaders, ahead), aheadHeaders));
        producer.send(new ProducerRecord<>(Topics.SCORES.name(), AHEAD, Topics.SCORES.valueSerde().serializer()
            .serialize("", Score.scored(AHEAD, i, ts, ts - 3_000, 0.2, 0.5, "browser-model"))));
        float[] grid = new float[64];
        if (lesion) {
          grid[27] = 2f;
          grid[28] = 2f;
        }
        producer.send(new ProducerRecord<>(Topics.HEATMAPS.name(), ID, Topics.HEATMAPS.valueSerde().serializer()
            .serialize("", new Heatmap(ID, i, ts, "browser-model", 128, 128, 1f, 8, 8, grid))));
        if (i == 34 || i == 62) {
          AlertEvent a = new AlertEvent(i == 34 ? AlertEvent.START : AlertEvent.END, ID + "/32", ID, 32, i == 34 ? 34 : 62,
              i == 34 ? 34 : 45, i == 34 ? 0.72 : 0.85, null, ts, ts, "browser-model", i == 34 ? null : AlertEvent.SCORES_FELL);
          producer.send(new ProducerRecord<>(Topics.ALERTS.name(), ID, Topics.ALERTS.valueSerde().serializer().serialize("", a)));
        }
        producer.flush();
        Thread.sleep(100);
      }
    } catch (Exception e) {
      if (!stop.get()) {
        throw new IllegalStateException(e);
      }
    }
  }
}

import java.io.File;
import java.nio.file.Files;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * What the console page spends drawing its overview of N procedures (10 to 2,000: a unit keeps a
 * week of scores and a month of alerts), eight of them live: per draw, with the eight live rows'
 * summaries new before each, as a push brings them. Opens the page's files from a folder (no console
 * behind it: the overview is filled by script) in Debian's headless chromium and times the page's own
 * drawing function, 50 draws per size; layout and paint come after and are not in the figure.
 *
 * <p>Run: {@code java -cp "target/classes:$(cat TEST_CLASSPATH)" bench/ConsoleOverviewCost.java src/main/resources/console}
 * (TEST_CLASSPATH as in bench/ConsoleShot.java: selenium is a test dependency). Given an older
 * page's folder, times its {@code renderOverview} instead.
 */
public class ConsoleOverviewCost {
  public static void main(String[] args) throws Exception {
    ChromeOptions o = new ChromeOptions();
    o.setBinary(new File("/usr/bin/chromium"));
    o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + Files.createTempDirectory("overview"),
        "--window-size=1400,1100");
    WebDriver browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
        .build(), o);
    try {
      browser.get(new File(args[0], "index.html").toURI().toString());
      Thread.sleep(1000);
      for (int n : new int[] {10, 100, 600, 2000}) {
        Object ms = ((JavascriptExecutor) browser).executeScript("""
            const n = arguments[0], now = Date.now();
            procs.clear();
            for (let i = 0; i < n; i++) procs.set('p-' + i, {id: 'p-' + i, live: i < 8, lastCaptureMs: now - i * 60000,
                frames: 100, fps: 30, lastScore: 0.2, alerting: false, alerts: 2, latencyMs: 20, lastIndex: 99, rejected: 0});
            const draw = typeof drawOverview === 'function' ? drawOverview : renderOverview;
            draw();
            const t0 = performance.now();
            for (let k = 0; k < 50; k++) {
              for (let i = 0; i < Math.min(8, n); i++) {
                const s = procs.get('p-' + i);
                procs.set(s.id, Object.assign({}, s, {lastCaptureMs: now + k * 33 + i, lastScore: Math.random()}));
              }
              draw();
            }
            return (performance.now() - t0) / 50;""", n);
        System.out.printf("%5d procedures: %.2f ms per draw%n", n, ((Number) ms).doubleValue());
      }
    } finally {
      browser.quit();
    }
  }
}

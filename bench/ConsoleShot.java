import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The README's console picture, taken from a running `endowatch demo` (the shipped model scoring a
 * generated procedure), not from a test's made-up scores: opens the console in Debian's headless
 * chromium, selects the first procedure, waits for an alert to end, reviews the oldest one's peak frame
 * with the heatmap on (drawn where patches are over the patch threshold), and saves the page.
 *
 * <p>Run: {@code java -jar target/endowatch.jar demo --seconds 120 &}, then
 * {@code java -cp "target/endowatch.jar:$(cat TEST_CLASSPATH)" bench/ConsoleShot.java http://127.0.0.1:8080/ docs/console.png}
 * (TEST_CLASSPATH from {@code mvn dependency:build-classpath -Dmdep.includeScope=test
 * -Dmdep.outputFile=TEST_CLASSPATH}: selenium is a test dependency).
 */
public class ConsoleShot {
  public static void main(String[] args) throws Exception {
    ChromeOptions o = new ChromeOptions();
    o.setBinary(new File("/usr/bin/chromium"));
    Path profile = Files.createTempDirectory("console-shot");
    o.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--user-data-dir=" + profile, "--window-size=1400,1150");
    WebDriver browser = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(new File("/usr/bin/chromedriver"))
        .build(), o);
    try {
      WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(90));
      wait.ignoring(StaleElementReferenceException.class);
      browser.get(args[0]);
      click(wait, By.cssSelector("tr[data-id]"));
      // The oldest alert that has ended (the list puts the newest first), so its peak frame is final.
      By ended = By.xpath("(//*[@id='alerts']//li[@data-alert][contains(., 'peak')])[last()]");
      wait.until(d -> !d.findElements(ended).isEmpty());
      click(wait, ended);
      Thread.sleep(3000);   // the frame and its heatmap load after the click
      Files.write(Path.of(args[1]), ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
      System.out.println("wrote " + args[1]);
    } finally {
      browser.quit();
      try (java.util.stream.Stream<Path> all = Files.walk(profile)) {   // chromium's profile: tens of MB per run
        all.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  static void click(WebDriverWait wait, By by) {
    wait.until(d -> {
      d.findElement(by).click();
      return true;
    });
  }
}

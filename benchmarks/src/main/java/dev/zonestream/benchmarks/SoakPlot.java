package dev.zonestream.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/** The soak benchmark's samples as four line charts over the run's minutes (a PNG). */
final class SoakPlot {
  private static final int PANEL_WIDTH = 520;
  private static final int PANEL_HEIGHT = 300;
  private static final int LEFT = 80;
  private static final int TOP = 40;
  private static final int PLOT_WIDTH = PANEL_WIDTH - LEFT - 30;
  private static final int PLOT_HEIGHT = PANEL_HEIGHT - TOP - 50;

  private SoakPlot() {}

  static void draw(String title, List<SoakBenchmark.Sample> samples, Path png) throws IOException {
    BufferedImage image =
        new BufferedImage(2 * PANEL_WIDTH, 2 * PANEL_HEIGHT + 30, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
    g.setColor(Color.BLACK);
    g.drawString(title, LEFT, 20);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    panel(g, 0, 30, "heap after GC (MB)", samples, SoakBenchmark.Sample::heapMb);
    panel(g, PANEL_WIDTH, 30, "RSS (MB)", samples, SoakBenchmark.Sample::rssMb);
    panel(g, 0, 30 + PANEL_HEIGHT, "checkpoint (MB)", samples, SoakBenchmark.Sample::checkpointMb);
    panel(
        g,
        PANEL_WIDTH,
        30 + PANEL_HEIGHT,
        "consumer lag (messages)",
        samples,
        s -> Math.max(0, s.lag()));
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  private static void panel(
      Graphics2D g,
      int x0,
      int y0,
      String label,
      List<SoakBenchmark.Sample> samples,
      ToDoubleFunction<SoakBenchmark.Sample> value) {
    double maxX = samples.stream().mapToDouble(SoakBenchmark.Sample::minutes).max().orElse(1);
    double maxY = samples.stream().mapToDouble(value).max().orElse(1);
    maxX = Math.max(maxX, 1);
    maxY = maxY <= 0 ? 1 : maxY * 1.1;
    int left = x0 + LEFT;
    int top = y0 + TOP;
    g.setColor(Color.BLACK);
    g.drawString(label, left, top - 10);
    g.setColor(Color.LIGHT_GRAY);
    for (int i = 0; i <= 4; i++) {
      int y = top + PLOT_HEIGHT - i * PLOT_HEIGHT / 4;
      g.drawLine(left, y, left + PLOT_WIDTH, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, "%.0f", maxY * i / 4), x0 + 10, y + 4);
      g.setColor(Color.LIGHT_GRAY);
    }
    g.setColor(Color.BLACK);
    g.drawRect(left, top, PLOT_WIDTH, PLOT_HEIGHT);
    for (int i = 0; i <= 4; i++) {
      int x = left + i * PLOT_WIDTH / 4;
      g.drawString(
          String.format(Locale.ROOT, maxX < 10 ? "%.1f" : "%.0f", maxX * i / 4),
          x - 6,
          top + PLOT_HEIGHT + 16);
    }
    g.drawString("minutes", left + PLOT_WIDTH / 2 - 20, top + PLOT_HEIGHT + 32);
    g.setColor(new Color(0x1f, 0x77, 0xb4));
    g.setStroke(new BasicStroke(2f));
    int[] prev = null;
    for (SoakBenchmark.Sample sample : samples) {
      int x = left + (int) Math.round(sample.minutes() / maxX * PLOT_WIDTH);
      int y =
          top + PLOT_HEIGHT - (int) Math.round(value.applyAsDouble(sample) / maxY * PLOT_HEIGHT);
      if (prev != null) {
        g.drawLine(prev[0], prev[1], x, y);
      }
      g.fillOval(x - 2, y - 2, 5, 5);
      prev = new int[] {x, y};
    }
    g.setStroke(new BasicStroke(1f));
  }
}

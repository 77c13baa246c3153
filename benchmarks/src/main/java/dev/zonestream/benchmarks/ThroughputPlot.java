package dev.zonestream.benchmarks;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.ToDoubleFunction;
import javax.imageio.ImageIO;

/**
 * The throughput benchmark's plot: messages per second (left) and peak RSS (right) against the
 * number of messages, one line per tool and graph, N on a log scale. Java2D, no library.
 */
final class ThroughputPlot {
  private static final int PANEL_WIDTH = 560;
  private static final int HEIGHT = 460;
  private static final int LEFT = 80;
  private static final int TOP = 40;
  private static final int PLOT_WIDTH = PANEL_WIDTH - LEFT - 20;
  private static final int PLOT_HEIGHT = 260;
  private static final Color[] COLORS = {
    Color.BLACK,
    new Color(0x1f77b4),
    new Color(0xaec7e8),
    new Color(0xd62728),
    new Color(0xff9896),
    new Color(0x2ca02c),
    new Color(0x98df8a),
    new Color(0x9467bd),
  };

  private ThroughputPlot() {}

  static void draw(List<ThroughputBenchmark.Row> rows, Path png) throws IOException {
    Map<String, List<ThroughputBenchmark.Row>> series = new LinkedHashMap<>();
    TreeSet<Long> sizes = new TreeSet<>();
    for (ThroughputBenchmark.Row row : rows) {
      series.computeIfAbsent(row.label(), k -> new ArrayList<>()).add(row);
      sizes.add(row.messages());
    }
    BufferedImage image = new BufferedImage(2 * PANEL_WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, image.getWidth(), image.getHeight());
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    panel(g, 0, "messages per second", series, sizes, ThroughputBenchmark.Row::messagesPerSecond);
    panel(g, PANEL_WIDTH, "peak RSS (MB)", series, sizes, r -> r.peakRssKb() / 1024.0);
    int y = TOP + PLOT_HEIGHT + 50;
    int i = 0;
    for (String label : series.keySet()) {
      int x = LEFT + (i % 4) * 260;
      int line = y + (i / 4) * 18;
      g.setColor(COLORS[i % COLORS.length]);
      g.setStroke(new BasicStroke(2.5f));
      g.drawLine(x, line - 4, x + 24, line - 4);
      g.setColor(Color.BLACK);
      g.drawString(label, x + 30, line);
      i++;
    }
    g.dispose();
    ImageIO.write(image, "png", png.toFile());
  }

  private static void panel(
      Graphics2D g,
      int x0,
      String title,
      Map<String, List<ThroughputBenchmark.Row>> series,
      TreeSet<Long> sizes,
      ToDoubleFunction<ThroughputBenchmark.Row> value) {
    double max = 0;
    for (List<ThroughputBenchmark.Row> rows : series.values()) {
      for (ThroughputBenchmark.Row row : rows) {
        double v = value.applyAsDouble(row);
        if (Double.isFinite(v)) {
          max = Math.max(max, v);
        }
      }
    }
    max = max <= 0 ? 1 : max * 1.1;
    double minLog = Math.log(sizes.first());
    double spanLog = Math.max(Math.log(sizes.last()) - minLog, 1e-9);
    int left = x0 + LEFT;
    int bottom = TOP + PLOT_HEIGHT;
    g.setColor(Color.BLACK);
    g.setStroke(new BasicStroke(1f));
    g.drawString(title + " against messages (log scale)", left, TOP - 15);
    g.drawLine(left, bottom, left + PLOT_WIDTH, bottom);
    g.drawLine(left, TOP, left, bottom);
    for (int t = 0; t <= 5; t++) {
      int y = bottom - t * PLOT_HEIGHT / 5;
      g.setColor(new Color(0xdddddd));
      g.drawLine(left + 1, y, left + PLOT_WIDTH, y);
      g.setColor(Color.BLACK);
      g.drawString(String.format(Locale.ROOT, "%,.0f", max * t / 5), x0 + 5, y + 4);
    }
    for (long n : sizes) {
      int x = xOf(n, left, minLog, spanLog, sizes.size());
      g.drawString(String.format(Locale.ROOT, "%,d", n), x - 25, bottom + 18);
    }
    int i = 0;
    for (List<ThroughputBenchmark.Row> rows : series.values()) {
      g.setColor(COLORS[i++ % COLORS.length]);
      g.setStroke(new BasicStroke(2.5f));
      int px = -1;
      int py = -1;
      for (ThroughputBenchmark.Row row : rows) {
        double v = value.applyAsDouble(row);
        if (!Double.isFinite(v) || v <= 0) {
          px = -1;
          continue;
        }
        int x = xOf(row.messages(), left, minLog, spanLog, sizes.size());
        int y = bottom - (int) Math.round(v / max * PLOT_HEIGHT);
        g.fillOval(x - 4, y - 4, 8, 8);
        if (px >= 0) {
          g.drawLine(px, py, x, y);
        }
        px = x;
        py = y;
      }
    }
  }

  private static int xOf(long n, int left, double minLog, double spanLog, int sizes) {
    if (sizes == 1) {
      return left + PLOT_WIDTH / 2;
    }
    return left + 30 + (int) Math.round((Math.log(n) - minLog) / spanLog * (PLOT_WIDTH - 60));
  }
}

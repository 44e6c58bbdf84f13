import express, { type Router } from "express";
import type { InsightDeps } from "../../commands/insight-store.ts";
import type { Logger } from "../../commands/context.ts";
import { localDate } from "../../domain/dates/calendar.ts";
import { chartModel } from "../../domain/indicators/chart-model.ts";
import { buildReportCard } from "../../domain/indicators/report-card.ts";
import { signaturesCsv, csvFile } from "../../domain/pledges/csv.ts";
import { SignedLinks } from "./chart-links.ts";

// The partnership's day, for which targets count as ahead; charts are the same all day.
const PARTNERSHIP_ZONE = "Europe/London";

/**
 * GET /charts/<token>.png and /exports/<token>.csv: the turn-the-curve chart (for Slack's
 * image blocks and Teams' Adaptive Card images) and a pledge's CSV, drawn from the
 * database on each request. A token that does not check out is a plain 404.
 */
export function insightRoutes(deps: InsightDeps | undefined, options: { log: Logger; clock: () => Date }): Router {
  const router = express.Router();
  const links = deps?.links instanceof SignedLinks ? deps.links : null;
  const notFound = (res: express.Response) => void res.status(404).json({ error: "not found" });
  if (!deps || !links) return router;

  router.get("/charts/:token.png", async (req, res) => {
    const target = links.readChart(req.params.token);
    if (!target) return notFound(res);
    try {
      const indicator = await deps.store.indicatorById(target.partnershipId, target.indicatorId);
      if (!indicator) return notFound(res);
      const card = buildReportCard(indicator, localDate(options.clock(), PARTNERSHIP_ZONE));
      // Loaded on first use: the charting libraries cost memory that curve shell never needs.
      const { renderChartPng } = await import("./render-chart.ts");
      const png = await renderChartPng(chartModel(indicator, card));
      res.set({ "content-type": "image/png", "cache-control": "private, max-age=300", "x-content-type-options": "nosniff" }).send(png);
    } catch (error) {
      options.log.error("chart failed", { indicator: target.indicatorId, error: error instanceof Error ? error.message : String(error) });
      res.status(500).json({ error: "chart failed" });
    }
  });

  router.get("/exports/:token.csv", async (req, res) => {
    const target = links.readExport(req.params.token, options.clock());
    if (!target) return notFound(res);
    try {
      const pledge = await deps.store.findPledge(target.partnershipId, target.pledgeId);
      if (!pledge) return notFound(res);
      const csv = signaturesCsv(pledge, await deps.store.signatures(pledge.id));
      res
        .set({
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="pledge-P${pledge.id}.csv"`,
          "cache-control": "no-store",
          "x-content-type-options": "nosniff",
        })
        .send(Buffer.from(csvFile(csv), "utf8"));
    } catch (error) {
      options.log.error("export failed", { pledge: target.pledgeId, error: error instanceof Error ? error.message : String(error) });
      res.status(500).json({ error: "export failed" });
    }
  });
  return router;
}

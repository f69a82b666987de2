package stats

// SnapshotReport is the report a snapshot gives on its own, for a run whose
// recorder is gone (a recording cut before the run's end): its counts, the
// percentiles it carries (of all requests, each route and the journeys'
// durations), series and events as given, and no histograms. Without them
// the report cannot be merged; Merge refuses it.
func SnapshotReport(s Snapshot, series []Point, events []Event, config map[string]any) *Report {
	rep := &Report{
		Schema: ReportSchema, SchemaVersion: ReportSchemaVersion,
		Started: s.Taken.Add(-s.Elapsed), Finished: s.Taken, ElapsedMs: ms(s.Elapsed),
		Config: config, Instances: 1,
		Summary: Summary{
			Total: s.Total, Success: s.Success, Errors: s.Errors, Dropped: s.Dropped,
			Resent: s.Resent, DroppedBehind: s.Run.DroppedBehind, DroppedUnsent: s.Run.DroppedUnsent, Latency: latencyOf(s.Latency),
		},
		StatusCodes: map[string]int64{}, ErrorKinds: map[string]int64{},
		Series: seriesReport(series), Events: eventsReport(events),
	}
	for _, e := range s.Endpoints {
		rr := RouteReport{Route: e.Route, Method: e.Method, Total: e.Total,
			Success: e.Success, Errors: e.Errors, Dropped: e.Dropped, Resent: e.Resent, Latency: latencyOf(e.Latency)}
		rr.addChecks(e, nil) // a snapshot has no shape's paths
		rep.Endpoints = append(rep.Endpoints, rr)
	}
	rep.addCounts(s)
	rep.Journeys.Duration = latencyOf(s.Journeys.Duration)
	rep.Knee = s.Run.Knee.Report()
	rep.finish()
	return rep
}

func latencyOf(p Percentiles) LatencyReport {
	return LatencyReport{Count: p.Count, MeanMs: ms(p.Mean), P50Ms: ms(p.P50), P90Ms: ms(p.P90), P95Ms: ms(p.P95),
		P99Ms: ms(p.P99), P999Ms: ms(p.P999), MaxMs: ms(p.Max)}
}

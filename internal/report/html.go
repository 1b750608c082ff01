package report

import (
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"volley/internal/stats"
)

// WriteHTML writes a self-contained HTML page: the summary of the run and
// its plots, drawn as inline SVG. The page loads nothing (no scripts, no
// fonts, no images from anywhere) and runs no code, so it opens the same
// offline, from a mail attachment or from a CI artifact.
func WriteHTML(w io.Writer, d *Document) error {
	r := d.Result
	page := htmlPage{
		Title:   "volley: " + Escape(d.Config.URL),
		Version: d.Version,
		Summary: summaryRows(d),
		Errors:  errorRows(&r.Errors, r.StatusCodes[:]),
		Charts: []template.HTML{
			percentileChart(r),
			rateChart(r),
			errorChart(r),
			latencyOverTimeChart(r),
		},
	}
	return pageTemplate.Execute(w, &page)
}

type htmlPage struct {
	Title, Version string
	Summary        [][2]string
	Errors         [][2]string
	Charts         []template.HTML
}

var pageTemplate = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>{{.Title}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; color: #222; background: #fff; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 20px; margin: 0 0 4px; word-break: break-all; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.meta { color: #666; margin: 0 0 16px; }
table { border-collapse: collapse; }
td, th { padding: 3px 14px 3px 0; text-align: left; vertical-align: top; }
th { font-weight: normal; color: #555; }
td { font-variant-numeric: tabular-nums; word-break: break-all; }
.tables { display: flex; flex-wrap: wrap; gap: 8px 48px; }
svg { display: block; max-width: 100%; height: auto; margin: 8px 0 20px; }
svg text { font: 12px system-ui, sans-serif; fill: #444; }
svg .title { font-size: 14px; font-weight: 600; fill: #222; }
svg .grid { stroke: #e4e4e4; stroke-width: 1; }
svg .axis { stroke: #888; stroke-width: 1; }
svg .line { fill: none; stroke-width: 2; stroke-linejoin: round; }
svg .nodata { font-size: 14px; fill: #999; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="meta">volley {{.Version}}</p>
<div class="tables">
<table>
{{range .Summary}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>
{{if .Errors}}<table>
{{range .Errors}}<tr><th>{{index . 0}}</th><td>{{index . 1}}</td></tr>
{{end}}</table>{{end}}
</div>
{{range .Charts}}{{.}}
{{end}}</body>
</html>
`))

func summaryRows(d *Document) [][2]string {
	r, c := d.Result, &d.Config
	rows := [][2]string{
		{"Start", "—"},
		{"Duration", FormatTimeUs(float64(r.Elapsed.Microseconds()))},
		{"Threads, connections", strconv.Itoa(c.Threads) + ", " + strconv.Itoa(c.Connections)},
	}
	if !r.Start.IsZero() {
		rows[0][1] = r.Start.UTC().Format("2006-01-02 15:04:05 MST")
	}
	if len(c.Others) > 0 {
		rows = append(rows, [2]string{"Load also went to (--allow-net)", othersText(c.Others, c.Threads)})
	}
	if c.Rate > 0 {
		rows = append(rows, [2]string{"Target rate", FormatMetric(c.Rate) + " req/s"})
	}
	if c.Runs > 1 {
		rows = append(rows, [2]string{"Merged runs", strconv.Itoa(c.Runs)})
	}
	l := r.Latency
	rows = append(rows,
		[2]string{"Requests", strconv.FormatUint(r.Requests, 10)},
		[2]string{"Requests/sec", FormatMetric(r.RequestsPerSec())},
		[2]string{"Transfer", FormatBinary(float64(r.Bytes)) + "B, " + FormatBinary(r.BytesPerSec()) + "B/s"},
		[2]string{"Latency mean ± stdev", FormatTimeUs(l.Mean()) + " ± " + FormatTimeUs(l.Stdev())},
	)
	for _, p := range []float64{50, 90, 99, 99.9} {
		rows = append(rows, [2]string{"Latency p" + strconv.FormatFloat(p, 'f', -1, 64), FormatTimeUs(float64(l.Percentile(p)))})
	}
	rows = append(rows, [2]string{"Latency max", FormatTimeUs(float64(l.Max()))})
	if r.Uncorrected != nil {
		rows = append(rows, [2]string{"Uncorrected p99", FormatTimeUs(float64(r.Uncorrected.Percentile(99)))})
	}
	return rows
}

func errorRows(e *stats.Errors, codes []uint64) [][2]string {
	var rows [][2]string
	add := func(name string, n uint64) {
		if n != 0 {
			rows = append(rows, [2]string{name, strconv.FormatUint(n, 10)})
		}
	}
	add("Connect errors", e.Connect)
	add("Read errors", e.Read)
	add("Write errors", e.Write)
	add("Timeouts", e.Timeout)
	add("Protocol errors", e.Protocol)
	add("Non-2xx or 3xx", e.Status)
	var statuses []string
	for code, n := range codes {
		if n != 0 {
			statuses = append(statuses, statusKey(code)+": "+strconv.FormatUint(n, 10))
		}
	}
	if len(statuses) > 0 {
		rows = append(rows, [2]string{"Status codes", strings.Join(statuses, ", ")})
	}
	for _, reason := range sortedKeys(e.Reasons) {
		rows = append(rows, [2]string{"Reason", strconv.FormatUint(e.Reasons[reason], 10) + " × " + Escape(reason)})
	}
	return rows
}

// percentileChart is HdrHistogram's latency-by-percentile plot: the x axis
// is log10(1/(1-p)), so 90%, 99%, 99.9%… are evenly spaced and the tail,
// where the interesting latencies are, gets most of the width.
func percentileChart(r *stats.Result) template.HTML {
	c := chart{title: "Latency by percentile", xTitle: "percentile", yTitle: "latency"}
	n := r.Latency.Count()
	nines := min(max(math.Ceil(math.Log10(float64(max(n, 1)))), 1), 6)
	c.x = axis{max: nines}
	for k := 0.0; k <= nines; k++ {
		c.x.ticks = append(c.x.ticks, tick{k, ninesLabel(int(k))})
	}
	curves := []struct {
		name, color string
		h           *stats.Histogram
	}{{"latency", "#1f77b4", r.Latency}}
	if r.Uncorrected != nil {
		curves[0].name = "corrected"
		curves = append(curves, struct {
			name, color string
			h           *stats.Histogram
		}{"uncorrected", "#ff7f0e", r.Uncorrected})
	}
	top := 0.0
	for _, cv := range curves {
		if cv.h.Count() == 0 {
			continue
		}
		l := line{name: cv.name, color: cv.color}
		const steps = 400
		for i := 0; i <= steps; i++ {
			x := nines * float64(i) / steps
			v := float64(cv.h.Percentile(100 * (1 - math.Pow(10, -x))))
			l.pts = append(l.pts, pt{x, v})
			top = max(top, v)
		}
		c.lines = append(c.lines, l)
	}
	c.y = latencyAxis(top)
	return c.svg()
}

// ninesLabel labels 0, 1, 2, 3… nines: 0%, 90%, 99%, 99.9%…
func ninesLabel(k int) string {
	switch k {
	case 0:
		return "0%"
	case 1:
		return "90%"
	case 2:
		return "99%"
	}
	return "99." + strings.Repeat("9", k-2) + "%"
}

// pointSpan is how long point i of the series lasted: the interval, except
// for the last, which ends with the run.
func pointSpan(r *stats.Result, i int) float64 {
	iv := max(r.Series.Interval, stats.SeriesInterval).Seconds()
	if i == len(r.Series.Points)-1 {
		if rest := r.Elapsed.Seconds() - float64(i)*iv; rest > 0.05 && rest < iv {
			return rest
		}
	}
	return iv
}

func timeChart(r *stats.Result, title, yTitle string) chart {
	iv := max(r.Series.Interval, stats.SeriesInterval).Seconds()
	end := math.Max(float64(len(r.Series.Points))*iv, r.Elapsed.Seconds())
	return chart{title: title, xTitle: "time", yTitle: yTitle, x: timeAxis(end)}
}

func rateChart(r *stats.Result) template.HTML {
	c := timeChart(r, "Requests per second", "req/s")
	l := line{name: "requests/s", color: "#1f77b4", markers: true}
	top := 0.0
	iv := max(r.Series.Interval, stats.SeriesInterval).Seconds()
	for i, p := range r.Series.Points {
		v := float64(p.Requests) / pointSpan(r, i)
		l.pts = append(l.pts, pt{float64(i)*iv + pointSpan(r, i)/2, v})
		top = max(top, v)
	}
	if len(l.pts) > 0 {
		c.lines = []line{l}
	}
	c.y = countAxis(top)
	return c.svg()
}

func errorChart(r *stats.Result) template.HTML {
	c := timeChart(r, "Errors per second", "errors/s")
	errs := line{name: "socket errors/s", color: "#d62728", markers: true}
	non2xx := line{name: "non-2xx/3xx/s", color: "#9467bd", dash: true, markers: true}
	top := 0.0
	iv := max(r.Series.Interval, stats.SeriesInterval).Seconds()
	for i, p := range r.Series.Points {
		span := pointSpan(r, i)
		x := float64(i)*iv + span/2
		e, s := float64(p.Errors)/span, float64(p.Non2xx)/span
		errs.pts = append(errs.pts, pt{x, e})
		non2xx.pts = append(non2xx.pts, pt{x, s})
		top = max(top, e, s)
	}
	if len(errs.pts) > 0 {
		c.lines = []line{errs, non2xx}
	}
	c.y = countAxis(max(top, 1))
	return c.svg()
}

func latencyOverTimeChart(r *stats.Result) template.HTML {
	c := timeChart(r, "Latency over time", "latency")
	p50 := line{name: "p50", color: "#2ca02c", markers: true}
	p99 := line{name: "p99", color: "#ff7f0e", markers: true}
	top := 0.0
	iv := max(r.Series.Interval, stats.SeriesInterval).Seconds()
	drawn := false
	for i, p := range r.Series.Points {
		x := float64(i)*iv + pointSpan(r, i)/2
		if p.Latency == nil || p.Latency.TotalCount() == 0 {
			p50.pts = append(p50.pts, pt{x, math.NaN()}) // a gap in the line
			p99.pts = append(p99.pts, pt{x, math.NaN()})
			continue
		}
		a, b := float64(p.Latency.ValueAtPercentile(50)), float64(p.Latency.ValueAtPercentile(99))
		p50.pts = append(p50.pts, pt{x, a})
		p99.pts = append(p99.pts, pt{x, b})
		top = max(top, b)
		drawn = true
	}
	if drawn {
		c.lines = []line{p50, p99}
	}
	c.y = latencyAxis(top)
	return c.svg()
}

// The chart drawing: a plot area with grid lines at the axes' ticks, one
// path per line, a legend. Everything is computed here; the SVG holds only
// numbers and our own labels.

type pt struct{ x, y float64 } // y NaN: a gap

type line struct {
	name, color string
	dash        bool
	markers     bool // a dot at each point, when there are few
	pts         []pt
}

// maxMarkers is the most points a line shows dots for.
const maxMarkers = 120

type tick struct {
	v     float64
	label string
}

type axis struct {
	max   float64 // the minimum is 0
	ticks []tick
}

type chart struct {
	title, xTitle, yTitle string
	x, y                  axis
	lines                 []line
}

const (
	svgW, svgH             = 960, 300
	padL, padR, padT, padB = 76, 40, 34, 46
	plotW, plotH           = svgW - padL - padR, svgH - padT - padB
)

func (c *chart) svg() template.HTML {
	var b strings.Builder
	sx := func(x float64) float64 { return padL + x/c.x.max*plotW }
	sy := func(y float64) float64 { return padT + plotH - y/c.y.max*plotH }
	f := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	fmt.Fprintf(&b, `<svg viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s">`, svgW, svgH, svgW, svgH, template.HTMLEscapeString(c.title))
	fmt.Fprintf(&b, `<rect x="0" y="0" width="%d" height="%d" fill="#fff"/>`, svgW, svgH)
	fmt.Fprintf(&b, `<text class="title" x="%d" y="20">%s</text>`, padL, template.HTMLEscapeString(c.title))
	for _, t := range c.y.ticks {
		y := f(sy(t.v))
		fmt.Fprintf(&b, `<line class="grid" x1="%d" x2="%d" y1="%s" y2="%s"/>`, padL, padL+plotW, y, y)
		fmt.Fprintf(&b, `<text x="%d" y="%s" text-anchor="end" dominant-baseline="middle">%s</text>`, padL-8, y, template.HTMLEscapeString(t.label))
	}
	for _, t := range c.x.ticks {
		x := f(sx(t.v))
		fmt.Fprintf(&b, `<line class="grid" x1="%s" x2="%s" y1="%d" y2="%d"/>`, x, x, padT, padT+plotH)
		fmt.Fprintf(&b, `<text x="%s" y="%d" text-anchor="middle">%s</text>`, x, padT+plotH+18, template.HTMLEscapeString(t.label))
	}
	fmt.Fprintf(&b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padL, padL+plotW, padT+plotH, padT+plotH)
	fmt.Fprintf(&b, `<line class="axis" x1="%d" x2="%d" y1="%d" y2="%d"/>`, padL, padL, padT, padT+plotH)
	fmt.Fprintf(&b, `<text x="%d" y="%d" text-anchor="middle">%s</text>`, padL+plotW/2, svgH-6, template.HTMLEscapeString(c.xTitle))
	fmt.Fprintf(&b, `<text x="16" y="%d" text-anchor="middle" transform="rotate(-90 16 %d)">%s</text>`, padT+plotH/2, padT+plotH/2, template.HTMLEscapeString(c.yTitle))
	if len(c.lines) == 0 {
		fmt.Fprintf(&b, `<text class="nodata" x="%d" y="%d" text-anchor="middle">no data</text>`, padL+plotW/2, padT+plotH/2)
	}
	legendX := svgW - padR // the legend ends at the right, in the title's row
	for _, l := range c.lines {
		legendX -= 40 + 7*len(l.name)
	}
	for _, l := range c.lines {
		var d strings.Builder
		pen := "M"
		drawn := 0
		for _, p := range l.pts {
			if math.IsNaN(p.y) {
				pen = "M"
				continue
			}
			d.WriteString(pen + f(sx(p.x)) + "," + f(sy(min(p.y, c.y.max))) + " ")
			pen = "L"
			drawn++
		}
		dash := ""
		if l.dash {
			dash = ` stroke-dasharray="6 4"`
		}
		fmt.Fprintf(&b, `<path class="line" stroke="%s"%s d="%s"><title>%s</title></path>`, l.color, dash, strings.TrimSpace(d.String()), template.HTMLEscapeString(l.name))
		if l.markers && drawn <= maxMarkers {
			for _, p := range l.pts {
				if !math.IsNaN(p.y) {
					fmt.Fprintf(&b, `<circle cx="%s" cy="%s" r="2.5" fill="%s"/>`, f(sx(p.x)), f(sy(min(p.y, c.y.max))), l.color)
				}
			}
		}
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="16" y2="16" stroke="%s" stroke-width="3"%s/>`, legendX, legendX+24, l.color, dash)
		fmt.Fprintf(&b, `<text x="%d" y="16" dominant-baseline="middle">%s</text>`, legendX+30, template.HTMLEscapeString(l.name))
		legendX += 40 + 7*len(l.name)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // built above from numbers and escaped labels
}

// niceStep is a round step (1, 2, 2.5 or 5 × 10^k) that cuts span into about n parts.
func niceStep(span float64, n int) float64 {
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		if raw <= m*mag {
			return m * mag
		}
	}
	return 10 * mag
}

// valueAxis is an axis from 0 past top with round ticks labelled by label.
func valueAxis(top float64, label func(float64) string) axis {
	if !(top > 0) || math.IsInf(top, 0) {
		top = 1
	}
	step := niceStep(top, 5)
	a := axis{max: math.Ceil(top/step) * step}
	for v := 0.0; v <= a.max+step/2; v += step {
		a.ticks = append(a.ticks, tick{v, label(v)})
	}
	return a
}

// latencyAxis labels µs values in one unit: us, ms or s.
func latencyAxis(top float64) axis {
	unit, scale := "us", 1.0
	switch {
	case top >= 1e6:
		unit, scale = "s", 1e6
	case top >= 1e3:
		unit, scale = "ms", 1e3
	}
	a := valueAxis(top/scale, func(v float64) string { return trimFloat(v) + unit })
	a.max *= scale
	for i := range a.ticks {
		a.ticks[i].v *= scale
	}
	return a
}

func countAxis(top float64) axis {
	return valueAxis(top, func(v float64) string {
		switch {
		case v >= 1e6:
			return trimFloat(v/1e6) + "M"
		case v >= 1e3:
			return trimFloat(v/1e3) + "k"
		}
		return trimFloat(v)
	})
}

// timeAxis covers 0..end seconds with ticks at round times.
func timeAxis(end float64) axis {
	end = max(end, 1)
	step := 1.0
	for _, s := range []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400} {
		step = s
		if end/s <= 10 {
			break
		}
	}
	a := axis{max: end}
	for v := 0.0; v <= end+1e-9; v += step {
		a.ticks = append(a.ticks, tick{v, shortTime(time.Duration(v) * time.Second)})
	}
	return a
}

// shortTime labels a time axis: "0s", "45s", "2m", "1m30s", "2h", "1h30m".
func shortTime(d time.Duration) string {
	h, m, sec := int(d/time.Hour), int(d/time.Minute%60), int(d/time.Second%60)
	s := ""
	if h > 0 {
		s += strconv.Itoa(h) + "h"
	}
	if m > 0 {
		s += strconv.Itoa(m) + "m"
	}
	if sec > 0 || s == "" {
		s += strconv.Itoa(sec) + "s"
	}
	return s
}

// trimFloat shows a tick value without float noise: 2.5, 10, 0.25.
func trimFloat(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e6, 'f', -1, 64)
}

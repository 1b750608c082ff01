package report

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"volley/internal/stats"
)

// The JSON result format, documented in docs/json.md. SchemaVersion changes
// only when a field is removed or changes meaning; new fields may appear
// within a version, and readers ignore fields they do not know.
const (
	Schema        = "volley-result"
	SchemaVersion = 1
)

// RunConfig is what a JSON result records about the invocation. Header
// values and script arguments are left out: they often hold credentials.
type RunConfig struct {
	URL                  string
	Threads, Connections int
	Duration, Timeout    time.Duration // Duration 0: no deadline (-n alone)
	Requests             uint64        // -n: the requests asked for, 0 for no limit
	Rate                 float64       // requests/s asked for in rate mode, 0 otherwise
	Script               string
	HeaderNames          []string
	Runs                 int    // results merged into this one: 1 for a run
	Protocol             string // "http/1.1", "h2" (TLS) or "h2c"; "" reads as "http/1.1"
	Streams              int    // concurrent streams per connection (1 for HTTP/1.1)

	Shard     string        // "I/N" for a shard of a distributed run; merged: the shards, comma-separated
	LateStart time.Duration // how long after --start-at the run began (0: on time or no --start-at)
	Others    []OtherAddress
}

// Document is one result as a JSON file holds it.
type Document struct {
	Version string // volley's version that wrote it
	Config  RunConfig
	Result  *stats.Result
}

// Run is what the text report needs to show the document like a run. With
// latency, the uncorrected distribution of rate mode is shown too.
func (d *Document) Run(latency bool) Run {
	c := &d.Config
	run := Run{URL: c.URL, Threads: c.Threads, Connections: c.Connections, Duration: c.Duration, Requests: c.Requests, Latency: latency,
		Rate: c.Rate, Uncorrected: latency && d.Result.Uncorrected != nil, Others: c.Others}
	if c.Protocol == "h2" || c.Protocol == "h2c" {
		run.Protocol, run.Streams = c.Protocol, c.Streams
	}
	return run
}

// jsonPercentiles are the percentiles every histogram lists.
var jsonPercentiles = []float64{50, 75, 90, 95, 99, 99.9, 99.99, 99.999, 100}

// The wire format. Times are integers in µs or floats in seconds, as named.
type (
	jsonDoc struct {
		Schema             string            `json:"schema"`
		SchemaVersion      int               `json:"schema_version"`
		Version            string            `json:"volley_version"`
		Config             jsonConfig        `json:"config"`
		Start              time.Time         `json:"start"`
		ElapsedUs          int64             `json:"elapsed_us"`
		Requests           uint64            `json:"requests"`
		InFlight           uint64            `json:"in_flight"`
		Bytes              uint64            `json:"bytes"`
		RequestsPerSec     float64           `json:"requests_per_sec"`
		BytesPerSec        float64           `json:"bytes_per_sec"`
		Errors             jsonErrors        `json:"errors"`
		StatusCodes        map[string]uint64 `json:"status_codes"`
		Latency            *jsonHistogram    `json:"latency"`
		LatencyUncorrected *jsonHistogram    `json:"latency_uncorrected"`
		ThreadRate         *jsonHistogram    `json:"thread_rate"`
		Series             jsonSeries        `json:"series"`
		Connections        jsonConnections   `json:"connections"`
		Origins            []jsonOrigin      `json:"origins"`
	}
	jsonConnections struct {
		Opened        uint64 `json:"opened"`
		TLSHandshakes uint64 `json:"tls_handshakes"`
		TLSResumed    uint64 `json:"tls_resumed"`
	}
	jsonOrigin struct {
		Origin       string  `json:"origin"`
		Requests     uint64  `json:"requests"`
		Errors       uint64  `json:"errors"`
		Non2xx       uint64  `json:"non2xx"`
		Connections  uint64  `json:"connections"`
		LatencyP50Us *int64  `json:"latency_p50_us"`
		LatencyP90Us *int64  `json:"latency_p90_us"`
		LatencyP99Us *int64  `json:"latency_p99_us"`
		LatencyMaxUs *int64  `json:"latency_max_us"`
		LatencyHDR   *string `json:"latency_hdr"`
	}
	jsonConfig struct {
		URL         string         `json:"url"`
		Threads     int            `json:"threads"`
		Connections int            `json:"connections"`
		DurationS   float64        `json:"duration_s"`
		Requests    uint64         `json:"request_limit"`
		TimeoutS    float64        `json:"timeout_s"`
		Rate        float64        `json:"rate"`
		Script      string         `json:"script"`
		HeaderNames []string       `json:"header_names"`
		Runs        int            `json:"runs"`
		Shard       string         `json:"shard"`
		LateStartUs int64          `json:"late_start_us"`
		Others      []OtherAddress `json:"other_addresses"`
		Protocol    string         `json:"protocol"`
		Streams     int            `json:"streams"`
	}
	jsonErrors struct {
		Connect  uint64            `json:"connect"`
		Read     uint64            `json:"read"`
		Write    uint64            `json:"write"`
		Timeout  uint64            `json:"timeout"`
		Protocol uint64            `json:"protocol"`
		Non2xx   uint64            `json:"non2xx"`
		Reasons  map[string]uint64 `json:"reasons"`
	}
	jsonHistogram struct {
		Unit        string           `json:"unit"`
		Count       int64            `json:"count"`
		Min         int64            `json:"min"`
		Max         int64            `json:"max"`
		Mean        float64          `json:"mean"`
		Stdev       float64          `json:"stdev"`
		Percentiles map[string]int64 `json:"percentiles"`
		Sum         string           `json:"sum"`
		SumSq       string           `json:"sumsq"`
		HDR         string           `json:"hdr"`
	}
	jsonSeries struct {
		IntervalS int64       `json:"interval_s"`
		Points    []jsonPoint `json:"points"`
	}
	jsonPoint struct {
		TS           int64   `json:"t_s"`
		Requests     uint64  `json:"requests"`
		Errors       uint64  `json:"errors"`
		Non2xx       uint64  `json:"non2xx"`
		LatencyP50Us *int64  `json:"latency_p50_us"`
		LatencyP99Us *int64  `json:"latency_p99_us"`
		LatencyHDR   *string `json:"latency_hdr"`
	}
)

// WriteJSON writes d as one indented JSON document.
func WriteJSON(w io.Writer, d *Document) error {
	r := d.Result
	c := &d.Config
	others := c.Others
	if others == nil {
		others = []OtherAddress{}
	}
	doc := jsonDoc{
		Schema: Schema, SchemaVersion: SchemaVersion, Version: d.Version,
		Config: jsonConfig{
			URL: c.URL, Threads: c.Threads, Connections: c.Connections,
			DurationS: c.Duration.Seconds(), Requests: c.Requests, TimeoutS: c.Timeout.Seconds(), Rate: c.Rate,
			Script: c.Script, HeaderNames: c.HeaderNames, Runs: max(c.Runs, 1),
			Shard: c.Shard, LateStartUs: c.LateStart.Microseconds(), Others: others,
			Protocol: cmp.Or(c.Protocol, "http/1.1"), Streams: max(c.Streams, 1),
		},
		Start:     r.Start.UTC(),
		ElapsedUs: r.Elapsed.Microseconds(),
		Requests:  r.Requests, InFlight: r.InFlight, Bytes: r.Bytes,
		RequestsPerSec: r.RequestsPerSec(), BytesPerSec: r.BytesPerSec(),
		Errors: jsonErrors{
			Connect: r.Errors.Connect, Read: r.Errors.Read, Write: r.Errors.Write, Timeout: r.Errors.Timeout,
			Protocol: r.Errors.Protocol, Non2xx: r.Errors.Status, Reasons: r.Errors.Reasons,
		},
		StatusCodes: map[string]uint64{},
	}
	if doc.Config.HeaderNames == nil {
		doc.Config.HeaderNames = []string{}
	}
	if doc.Errors.Reasons == nil {
		doc.Errors.Reasons = map[string]uint64{}
	}
	for code, n := range r.StatusCodes {
		if n != 0 {
			doc.StatusCodes[statusKey(code)] = n
		}
	}
	var err error
	if doc.Latency, err = encodeHistogram(r.Latency, "us"); err != nil {
		return err
	}
	if r.Uncorrected != nil {
		if doc.LatencyUncorrected, err = encodeHistogram(r.Uncorrected, "us"); err != nil {
			return err
		}
	}
	if doc.ThreadRate, err = encodeHistogram(r.Rate, "req/s"); err != nil {
		return err
	}
	if doc.Series, err = encodeSeries(&r.Series); err != nil {
		return err
	}
	doc.Connections = jsonConnections{Opened: r.Connections, TLSHandshakes: r.Handshakes, TLSResumed: r.Resumed}
	if doc.Origins, err = encodeOrigins(r.Origins); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(&doc)
}

func statusKey(code int) string {
	if code == 0 {
		return "other"
	}
	return strconv.Itoa(code)
}

func encodeHistogram(h *stats.Histogram, unit string) (*jsonHistogram, error) {
	enc, err := h.HDR().Encode(hdrhistogram.V2CompressedEncodingCookieBase)
	if err != nil {
		return nil, fmt.Errorf("encoding a histogram: %w", err)
	}
	m := h.Moments()
	j := &jsonHistogram{
		Unit: unit, Count: m.Count, Min: m.Min, Max: m.Max, Mean: h.Mean(), Stdev: h.Stdev(),
		Percentiles: make(map[string]int64, len(jsonPercentiles)),
		Sum:         m.Sum.String(), SumSq: m.SumSq.String(), HDR: string(enc),
	}
	for _, p := range jsonPercentiles {
		j.Percentiles[strconv.FormatFloat(p, 'f', -1, 64)] = h.Percentile(p)
	}
	return j, nil
}

func encodeSeries(s *stats.Series) (jsonSeries, error) {
	interval := max(s.Interval, stats.SeriesInterval)
	js := jsonSeries{IntervalS: int64(interval / time.Second), Points: make([]jsonPoint, len(s.Points))}
	for i := range s.Points {
		p := &s.Points[i]
		jp := jsonPoint{TS: int64(i) * js.IntervalS, Requests: p.Requests, Errors: p.Errors, Non2xx: p.Non2xx}
		if p.Latency != nil && p.Latency.TotalCount() > 0 {
			enc, err := p.Latency.Encode()
			if err != nil {
				return js, fmt.Errorf("encoding a histogram: %w", err)
			}
			p50, p99, hdr := p.Latency.ValueAtPercentile(50), p.Latency.ValueAtPercentile(99), string(enc)
			jp.LatencyP50Us, jp.LatencyP99Us, jp.LatencyHDR = &p50, &p99, &hdr
		}
		js.Points[i] = jp
	}
	return js, nil
}

// encodeOrigins gives each origin's counts and latency percentiles, with its latency histogram
// encoded so that merges keep it; [] with a single origin.
func encodeOrigins(os []stats.OriginCounts) ([]jsonOrigin, error) {
	out := []jsonOrigin{}
	for _, o := range os {
		jo := jsonOrigin{Origin: o.Name, Requests: o.Requests, Errors: o.Errors, Non2xx: o.Non2xx, Connections: o.Connections}
		if o.Latency != nil && o.Latency.TotalCount() > 0 {
			enc, err := o.Latency.Encode()
			if err != nil {
				return nil, fmt.Errorf("encoding a histogram: %w", err)
			}
			p50, p90, p99, top, hdr := o.Latency.ValueAtPercentile(50), o.Latency.ValueAtPercentile(90),
				o.Latency.ValueAtPercentile(99), o.Latency.Max(), string(enc)
			jo.LatencyP50Us, jo.LatencyP90Us, jo.LatencyP99Us, jo.LatencyMaxUs, jo.LatencyHDR = &p50, &p90, &p99, &top, &hdr
		}
		out = append(out, jo)
	}
	return out, nil
}

// maxOrigins bounds the origins a result may hold (app allows 100).
const maxOrigins = 1000

func decodeOrigins(js []jsonOrigin) ([]stats.OriginCounts, error) {
	if len(js) > maxOrigins {
		return nil, fmt.Errorf("origins: %d, at most %d", len(js), maxOrigins)
	}
	var out []stats.OriginCounts
	for i, jo := range js {
		o := stats.OriginCounts{Name: jo.Origin, Requests: jo.Requests, Errors: jo.Errors, Non2xx: jo.Non2xx,
			Connections: jo.Connections, Latency: stats.NewSeriesHistogram()}
		if jo.LatencyHDR != nil {
			h, err := hdrhistogram.DecodePacked([]byte(*jo.LatencyHDR))
			if err != nil || !stats.ValidSeriesHistogram(h) {
				return nil, fmt.Errorf("origins[%d].latency_hdr: not an HdrHistogram V2 encoding of a 1 µs – 1 h histogram with %d significant digits", i, stats.SeriesSignificantFigures)
			}
			o.Latency = h
		}
		out = append(out, o)
	}
	return out, nil
}

// MaxJSONBytes bounds a JSON result that ReadJSON accepts.
const MaxJSONBytes = 256 << 20

// ReadJSON reads a document that WriteJSON wrote, checking it thoroughly: a
// merge must not be poisoned by a damaged or hand-edited file. Errors say
// which field is wrong, in one line.
func ReadJSON(rd io.Reader) (*Document, error) {
	var doc jsonDoc
	dec := json.NewDecoder(io.LimitReader(rd, MaxJSONBytes))
	if err := dec.Decode(&doc); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syn):
			return nil, fmt.Errorf("not valid JSON: %s at byte %d", syn.Error(), syn.Offset)
		case errors.As(err, &typ):
			return nil, fmt.Errorf("field %s: expected %s, got a JSON %s", typ.Field, typ.Type, typ.Value)
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return nil, errors.New("not valid JSON: ends early (truncated?)")
		}
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	if doc.Schema != Schema {
		return nil, fmt.Errorf("not a volley result (schema %s, want %q)", quote(doc.Schema), Schema)
	}
	if doc.SchemaVersion != SchemaVersion {
		return nil, fmt.Errorf("schema_version %d is not supported (this volley reads %d)", doc.SchemaVersion, SchemaVersion)
	}
	c := &doc.Config
	if c.Threads < 0 || c.Connections < 0 || c.Runs < 1 || c.LateStartUs < 0 || !validSeconds(c.DurationS) || !validSeconds(c.TimeoutS) || !validFloat(c.Rate) {
		return nil, errors.New("config: a negative or impossible value")
	}
	for _, o := range c.Others {
		if o.Threads < 1 || o.Threads > c.Threads || o.Address == "" {
			return nil, errors.New("config.other_addresses: an address without threads, or with more threads than the run")
		}
	}
	if len(c.Others) == 0 {
		c.Others = nil // none, or a document from before the field: the same
	}
	if doc.ElapsedUs < 0 {
		return nil, errors.New("elapsed_us is negative")
	}
	r := stats.NewResult()
	r.Start = doc.Start
	r.Elapsed = time.Duration(doc.ElapsedUs) * time.Microsecond
	r.Requests, r.InFlight, r.Bytes = doc.Requests, doc.InFlight, doc.Bytes
	e := &doc.Errors
	r.Errors = stats.Errors{Connect: e.Connect, Read: e.Read, Write: e.Write, Timeout: e.Timeout,
		Protocol: e.Protocol, Status: e.Non2xx}
	if e.Protocol > e.Read {
		return nil, errors.New("errors: more protocol errors than read errors (they are a subset)")
	}
	if len(e.Reasons) > stats.MaxReasons+1 {
		return nil, fmt.Errorf("errors: %d reasons, at most %d", len(e.Reasons), stats.MaxReasons+1)
	}
	for _, reason := range sortedKeys(e.Reasons) {
		if n := e.Reasons[reason]; n != 0 {
			// Merge keeps the reasons within stats' bounds, whatever the file says.
			r.Errors.Merge(&stats.Errors{Reasons: map[string]uint64{reason: n}})
		}
	}
	for key, n := range doc.StatusCodes {
		code := 0
		if key != "other" {
			c, err := strconv.Atoi(key)
			if err != nil || c < 1 || c >= len(r.StatusCodes) || strconv.Itoa(c) != key {
				return nil, fmt.Errorf("status_codes: %s is not a status code (1–599 or \"other\")", quote(key))
			}
			code = c
		}
		r.StatusCodes[code] = n
	}
	var err error
	if r.Latency, err = decodeHistogram(doc.Latency, "latency"); err != nil {
		return nil, err
	}
	if doc.LatencyUncorrected != nil {
		if r.Uncorrected, err = decodeHistogram(doc.LatencyUncorrected, "latency_uncorrected"); err != nil {
			return nil, err
		}
	}
	if r.Rate, err = decodeHistogram(doc.ThreadRate, "thread_rate"); err != nil {
		return nil, err
	}
	if uint64(r.Latency.Count()) > r.Requests { //nolint:gosec // a count is never negative
		return nil, fmt.Errorf("latency: %d values for %d requests", r.Latency.Count(), r.Requests)
	}
	if r.Series, err = decodeSeries(&doc.Series); err != nil {
		return nil, err
	}
	r.Connections, r.Handshakes, r.Resumed = doc.Connections.Opened, doc.Connections.TLSHandshakes, doc.Connections.TLSResumed
	if r.Origins, err = decodeOrigins(doc.Origins); err != nil {
		return nil, err
	}
	return &Document{
		Version: doc.Version,
		Config: RunConfig{
			URL: c.URL, Threads: c.Threads, Connections: c.Connections,
			Duration: seconds(c.DurationS), Requests: c.Requests, Timeout: seconds(c.TimeoutS), Rate: c.Rate,
			Script: c.Script, HeaderNames: c.HeaderNames, Runs: c.Runs,
			Shard: c.Shard, LateStart: time.Duration(c.LateStartUs) * time.Microsecond,
			Others:   c.Others,
			Protocol: cmp.Or(c.Protocol, "http/1.1"), Streams: max(c.Streams, 1),
		},
		Result: r,
	}, nil
}

func validFloat(f float64) bool { return f >= 0 && f < 1e18 }

func validSeconds(s float64) bool { return validFloat(s) && s < float64(1<<63-1)/1e9 }

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func decodeHistogram(j *jsonHistogram, field string) (*stats.Histogram, error) {
	if j == nil {
		return nil, fmt.Errorf("%s: missing", field)
	}
	hdr, err := hdrhistogram.Decode([]byte(j.HDR))
	if err != nil {
		return nil, fmt.Errorf("%s.hdr: not an HdrHistogram V2 encoding: %w", field, err)
	}
	sum, ok1 := new(big.Int).SetString(j.Sum, 10)
	sumsq, ok2 := new(big.Int).SetString(j.SumSq, 10)
	if !ok1 || !ok2 {
		return nil, fmt.Errorf("%s: sum and sumsq must be decimal integers in strings", field)
	}
	h, err := stats.RestoreHistogram(hdr, stats.Moments{Count: j.Count, Min: j.Min, Max: j.Max, Sum: sum, SumSq: sumsq})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	return h, nil
}

func decodeSeries(js *jsonSeries) (stats.Series, error) {
	s := stats.Series{Interval: time.Duration(js.IntervalS) * time.Second}
	n := js.IntervalS
	if n < 1 || n&(n-1) != 0 || n > 1<<40 {
		return s, fmt.Errorf("series.interval_s %d is not a power of two seconds", n)
	}
	if len(js.Points) > stats.MaxSeriesPoints {
		return s, fmt.Errorf("series: %d points, at most %d", len(js.Points), stats.MaxSeriesPoints)
	}
	s.Points = make([]stats.Point, len(js.Points))
	for i, jp := range js.Points {
		if jp.TS != int64(i)*n {
			return s, fmt.Errorf("series.points[%d]: t_s %d, want %d (points are consecutive)", i, jp.TS, int64(i)*n)
		}
		p := stats.Point{Requests: jp.Requests, Errors: jp.Errors, Non2xx: jp.Non2xx}
		if jp.LatencyHDR != nil {
			h, err := hdrhistogram.DecodePacked([]byte(*jp.LatencyHDR))
			if err != nil {
				return s, fmt.Errorf("series.points[%d].latency_hdr: not an HdrHistogram V2 encoding: %w", i, err)
			}
			if !stats.ValidSeriesHistogram(h) {
				return s, fmt.Errorf("series.points[%d].latency_hdr: not a 1 µs – 1 h histogram with %d significant digits", i, stats.SeriesSignificantFigures)
			}
			p.Latency = h
		}
		s.Points[i] = p
	}
	return s, nil
}

// quote shows untrusted text in a one-line message: escaped, quoted, and cut
// to a readable length.
func quote(s string) string {
	const limit = 64
	if len(s) > limit {
		cut := limit
		for cut > 0 && s[cut]&0xc0 == 0x80 {
			cut--
		}
		return `"` + Escape(s[:cut]) + `"...`
	}
	return `"` + Escape(s) + `"`
}

// sortedKeys returns m's keys in order, for stable renderings.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

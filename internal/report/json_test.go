package report

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"volley/internal/stats"
)

var testStart = time.Date(2025, 3, 4, 5, 6, 7, 123_456_789, time.UTC)

// recordRun feeds recorders as an engine's threads would over the given
// number of 100 ms ticks: responses with long-tailed latencies, some 5xx,
// some errors. Each response goes to one recorder, chosen by rng.
func recordRun(seed uint64, ticks int, recs ...*stats.Recorder) {
	rng := rand.New(rand.NewPCG(seed, 1))
	for _, r := range recs {
		r.Tick(0)
	}
	for i := 1; i <= ticks; i++ {
		for range 20 + rng.IntN(20) {
			r := recs[rng.IntN(len(recs))]
			status := 200
			if rng.IntN(50) == 0 {
				status = 503
			}
			r.Response(status, 200+int64(rng.ExpFloat64()*3000))
			r.Read(100 + rng.IntN(50))
		}
		if rng.IntN(8) == 0 {
			recs[rng.IntN(len(recs))].Errors.Add(stats.KindTimeout, "")
		}
		if rng.IntN(15) == 0 {
			recs[rng.IntN(len(recs))].Errors.Add(stats.KindProtocol, "invalid status line \"\x1b[2J\"")
		}
		for _, r := range recs {
			r.Tick(time.Duration(i) * 100 * time.Millisecond)
		}
	}
}

func testDocument() *Document {
	a, b := stats.NewRecorder(), stats.NewRecorder()
	recordRun(1, 35, a, b)
	res := stats.Merge(a, b)
	res.Start = testStart
	res.Elapsed = 3*time.Second + 512*time.Microsecond
	res.InFlight = 2
	return &Document{
		Version: "test",
		Config: RunConfig{URL: "http://127.0.0.1:8080/", Threads: 2, Connections: 10, Duration: 3 * time.Second, Protocol: "http/1.1", Streams: 1,
			Timeout: 2 * time.Second, HeaderNames: []string{"X-Token"}, Runs: 1},
		Result: res,
	}
}

func TestJSONGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, testDocument()); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "golden", "result.json")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("JSON differs from %s (go test -run TestJSONGolden -update to accept):\n%s", golden, firstDiff(buf.String(), string(want)))
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return "line " + itoa(i+1) + ":\n got  " + g[i] + "\n want " + w[i]
		}
	}
	return "lengths differ: " + itoa(len(g)) + " and " + itoa(len(w)) + " lines"
}

func itoa(i int) string { return strconv.Itoa(i) }

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// The schema of docs/json.md, written independently of the encoder: a
// field the encoder adds without documenting it fails the strict decode.
type (
	schemaDoc struct {
		Schema             string            `json:"schema"`
		SchemaVersion      int               `json:"schema_version"`
		VolleyVersion      string            `json:"volley_version"`
		Config             schemaConfig      `json:"config"`
		Start              string            `json:"start"`
		ElapsedUs          int64             `json:"elapsed_us"`
		Requests           uint64            `json:"requests"`
		InFlight           uint64            `json:"in_flight"`
		Bytes              uint64            `json:"bytes"`
		RequestsPerSec     float64           `json:"requests_per_sec"`
		BytesPerSec        float64           `json:"bytes_per_sec"`
		Errors             schemaErrors      `json:"errors"`
		StatusCodes        map[string]uint64 `json:"status_codes"`
		Latency            *schemaHistogram  `json:"latency"`
		LatencyUncorrected *schemaHistogram  `json:"latency_uncorrected"`
		ThreadRate         *schemaHistogram  `json:"thread_rate"`
		Series             struct {
			IntervalS int64         `json:"interval_s"`
			Points    []schemaPoint `json:"points"`
		} `json:"series"`
		Connections struct {
			Opened        uint64 `json:"opened"`
			TLSHandshakes uint64 `json:"tls_handshakes"`
			TLSResumed    uint64 `json:"tls_resumed"`
		} `json:"connections"`
		Origins []struct {
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
		} `json:"origins"`
	}
	schemaConfig struct {
		URL         string   `json:"url"`
		Threads     int      `json:"threads"`
		Connections int      `json:"connections"`
		DurationS   float64  `json:"duration_s"`
		Requests    uint64   `json:"request_limit"`
		TimeoutS    float64  `json:"timeout_s"`
		Rate        float64  `json:"rate"`
		Script      string   `json:"script"`
		HeaderNames []string `json:"header_names"`
		Runs        int      `json:"runs"`
		Shard       string   `json:"shard"`
		LateStartUs int64    `json:"late_start_us"`
		Others      []struct {
			Address string `json:"address"`
			Threads int    `json:"threads"`
		} `json:"other_addresses"`
		Protocol string `json:"protocol"`
		Streams  int    `json:"streams"`
	}
	schemaErrors struct {
		Connect, Read, Write, Timeout, Protocol, Non2xx uint64
		Reasons                                         map[string]uint64
	}
	schemaHistogram struct {
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
	schemaPoint struct {
		TS           int64   `json:"t_s"`
		Requests     uint64  `json:"requests"`
		Errors       uint64  `json:"errors"`
		Non2xx       uint64  `json:"non2xx"`
		LatencyP50Us *int64  `json:"latency_p50_us"`
		LatencyP99Us *int64  `json:"latency_p99_us"`
		LatencyHDR   *string `json:"latency_hdr"`
	}
)

// required lists, per object, the keys every document has (values may be null).
var required = map[string][]string{
	"":          {"schema", "schema_version", "volley_version", "config", "start", "elapsed_us", "requests", "in_flight", "bytes", "requests_per_sec", "bytes_per_sec", "errors", "status_codes", "latency", "latency_uncorrected", "thread_rate", "series", "connections", "origins"},
	"config":    {"url", "threads", "connections", "duration_s", "request_limit", "timeout_s", "rate", "script", "header_names", "runs", "shard", "late_start_us", "other_addresses", "protocol", "streams"},
	"errors":    {"connect", "read", "write", "timeout", "protocol", "non2xx", "reasons"},
	"latency":   {"unit", "count", "min", "max", "mean", "stdev", "percentiles", "sum", "sumsq", "hdr"},
	"series":    {"interval_s", "points"},
	"point":     {"t_s", "requests", "errors", "non2xx", "latency_p50_us", "latency_p99_us", "latency_hdr"},
	"percentil": {"50", "75", "90", "95", "99", "99.9", "99.99", "99.999", "100"},
}

func TestJSONSchema(t *testing.T) {
	for _, rateMode := range []bool{false, true} {
		d := testDocument()
		if rateMode {
			d.Result.Uncorrected = stats.NewHistogram()
			d.Result.Uncorrected.Record(5)
		}
		var buf bytes.Buffer
		if err := WriteJSON(&buf, d); err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(buf.Bytes()))
		dec.DisallowUnknownFields()
		var doc schemaDoc
		if err := dec.Decode(&doc); err != nil {
			t.Fatalf("the document does not match the documented schema: %v", err)
		}
		if doc.Schema != "volley-result" || doc.SchemaVersion != 1 || doc.Start != "2025-03-04T05:06:07.123456789Z" ||
			doc.Latency == nil || doc.ThreadRate == nil || (doc.LatencyUncorrected != nil) != rateMode ||
			doc.Series.IntervalS != 1 || len(doc.Series.Points) != 4 || doc.StatusCodes["200"] == 0 {
			t.Fatalf("decoded %+v", doc)
		}

		var m map[string]any
		if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		obj := func(v any) map[string]any { o, _ := v.(map[string]any); return o }
		check := func(name string, o map[string]any) {
			t.Helper()
			for _, k := range required[name] {
				if _, ok := o[k]; !ok {
					t.Errorf("%s: required key %q missing", name, k)
				}
			}
		}
		check("", m)
		check("config", obj(m["config"]))
		check("errors", obj(m["errors"]))
		check("latency", obj(m["latency"]))
		check("latency", obj(m["thread_rate"]))
		check("percentil", obj(obj(m["latency"])["percentiles"]))
		check("series", obj(m["series"]))
		for _, p := range obj(m["series"])["points"].([]any) {
			check("point", obj(p))
		}
		if rateMode {
			check("latency", obj(m["latency_uncorrected"]))
		} else if m["latency_uncorrected"] != nil {
			t.Error("latency_uncorrected is not null outside rate mode")
		}
	}
}

// A document read back is the same result: writing it again gives the same bytes.
func TestJSONRoundTrip(t *testing.T) {
	d := testDocument()
	d.Result.Uncorrected = stats.NewHistogram()
	d.Result.Uncorrected.Record(77)
	var a, b bytes.Buffer
	if err := WriteJSON(&a, d); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&b, back); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Fatalf("re-encoded document differs:\n%s", firstDiff(b.String(), a.String()))
	}
	if !reflect.DeepEqual(back.Config, d.Config) || back.Version != "test" {
		t.Fatalf("config %+v, want %+v", back.Config, d.Config)
	}
	var t1, t2 bytes.Buffer
	run := d.Run(true)
	must(t, WriteText(&t1, run, d.Result))
	must(t, WriteText(&t2, back.Run(true), back.Result))
	if t1.String() != t2.String() {
		t.Fatalf("text report differs after a round trip:\n%s\n%s", t1.String(), t2.String())
	}
}

func TestReadJSONRejects(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, testDocument()); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	edit := func(old, new string) string {
		if !strings.Contains(good, old) {
			t.Fatalf("golden document lacks %q", old)
		}
		return strings.Replace(good, old, new, 1)
	}
	var doc map[string]any
	must(t, json.Unmarshal(buf.Bytes(), &doc))
	lat := doc["latency"].(map[string]any)
	tests := []struct{ in, msg string }{
		{"", "ends early"},
		{good[:len(good)/2], "ends early"},
		{"[1]", "expected report.jsonDoc"},
		{"{\"schema\": \"other\"}", `not a volley result (schema "other", want "volley-result")`},
		{edit(`"schema_version": 1`, `"schema_version": 2`), "schema_version 2 is not supported"},
		{edit(`"requests": `, `"requests": -`), "field requests"},
		{edit(`"count": `+strconv.Itoa(int(lat["count"].(float64))), `"count": 3`), "latency: count 3 does not match"},
		{edit(`"sum": "`, `"sum": "x`), "latency: sum and sumsq must be decimal integers"},
		{edit(`"hdr": "HIST`, `"hdr": "HOST`), "latency.hdr: not an HdrHistogram V2 encoding"},
		{edit(`"interval_s": 1`, `"interval_s": 3`), "series.interval_s 3 is not a power of two"},
		{edit(`"t_s": 1,`, `"t_s": 5,`), "series.points[1]: t_s 5, want 1"},
		{edit(`"200": `, `"2000": `), `status_codes: "2000" is not a status code`},
		{edit(`"latency_hdr": "HIST`, `"latency_hdr": "HISX`), "series.points[0].latency_hdr: not an HdrHistogram"},
		{edit(`"runs": 1`, `"runs": 0`), "config: a negative or impossible value"},
	}
	for _, tt := range tests {
		_, err := ReadJSON(strings.NewReader(tt.in))
		if err == nil || !strings.Contains(err.Error(), tt.msg) {
			t.Errorf("ReadJSON(%.40q…) = %v, want an error containing %q", tt.in, err, tt.msg)
			continue
		}
		if strings.ContainsAny(err.Error(), "\n\x1b") {
			t.Errorf("error is not one safe line: %q", err)
		}
	}
	// A latency histogram of another geometry cannot merge exactly.
	h := stats.NewSeriesHistogram()
	must(t, h.RecordValue(5))
	enc, _ := h.Encode()
	if _, err := ReadJSON(strings.NewReader(edit(`"hdr": "`+lat["hdr"].(string), `"hdr": "`+string(enc)))); err == nil ||
		!strings.Contains(err.Error(), "significant digits") {
		t.Errorf("a 2-digit latency histogram: %v", err)
	}
}

func TestJSONReasonsStayBounded(t *testing.T) {
	d := testDocument()
	var buf bytes.Buffer
	must(t, WriteJSON(&buf, d))
	var m map[string]any
	must(t, json.Unmarshal(buf.Bytes(), &m))
	reasons := map[string]uint64{strings.Repeat("é", 300): 1}
	for i := range stats.MaxReasons {
		reasons["r"+strconv.Itoa(i)] = 1
	}
	m["errors"].(map[string]any)["reasons"] = reasons
	edited, _ := json.Marshal(m)
	back, err := ReadJSON(bytes.NewReader(edited))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Result.Errors.Reasons) != stats.MaxReasons+1 {
		t.Fatalf("%d reasons", len(back.Result.Errors.Reasons))
	}
	for r := range back.Result.Errors.Reasons {
		if len(r) > stats.MaxReasonBytes {
			t.Fatalf("a reason of %d bytes", len(r))
		}
	}
	keys := sortedKeys(back.Result.Errors.Reasons)
	if !slices.IsSorted(keys) {
		t.Fatal("sortedKeys")
	}
}

// Connection counts and per-origin results survive a round trip and add up in a merge.
func TestJSONOriginsAndConnections(t *testing.T) {
	d := testDocument()
	r := d.Result
	r.Connections, r.Handshakes, r.Resumed = 12, 12, 9
	r.Origins = stats.NewOriginCounts(2)
	r.Origins[0].Name, r.Origins[1].Name = "http://a:80", "https://b:443"
	for i := range 100 {
		r.Origins[i%2].Response(200+204*(i%3/2), int64(100+i))
	}
	r.Origins[1].Errors = 3
	var buf bytes.Buffer
	if err := WriteJSON(&buf, d); err != nil {
		t.Fatal(err)
	}
	back, err := ReadJSON(&buf)
	if err != nil {
		t.Fatal(err)
	}
	back.Result.Merge(back.Result) // as volley merge of two copies
	g := back.Result
	if g.Connections != 24 || g.Handshakes != 24 || g.Resumed != 18 || len(g.Origins) != 2 {
		t.Fatalf("connections %d/%d/%d, origins %d", g.Connections, g.Handshakes, g.Resumed, len(g.Origins))
	}
	for i, o := range g.Origins {
		w := r.Origins[i]
		if o.Name != w.Name || o.Requests != 2*w.Requests || o.Non2xx != 2*w.Non2xx || o.Errors != 2*w.Errors ||
			o.Latency.TotalCount() != 2*w.Latency.TotalCount() || o.Latency.Max() != w.Latency.Max() {
			t.Errorf("origin %d: %+v, want twice %+v", i, o, w)
		}
	}
	// The text report says both after wrk's lines (more connections opened than -c keeps).
	var text bytes.Buffer
	if err := WriteText(&text, d.Run(false), r); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "Transfer/sec:") || !strings.Contains(text.String(), "  Connections: 12 opened, 12 TLS handshakes (9 resumed)\n  Origins:\n    http://a:80   ") {
		t.Errorf("report:\n%s", text.String())
	}
}

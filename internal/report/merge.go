package report

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// MergeFiles reads JSON results (WriteJSON's) and merges them into one, as
// if they had been one run: counts add, histograms merge exactly, time
// series align by wall-clock second (see stats.Result.Merge). This is how
// the results of several load generators make one distributed run.
// Errors name the file: "b.json: latency: …".
func MergeFiles(paths []string) (*Document, error) {
	if len(paths) == 0 {
		return nil, errors.New("no result files to merge")
	}
	docs := make([]*Document, 0, len(paths))
	for _, p := range paths {
		d, err := readFile(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", Escape(p), err)
		}
		docs = append(docs, d)
	}
	if err := checkShards(paths, docs); err != nil {
		return nil, err
	}
	return Merge(docs), nil
}

// checkShards refuses a merge that would count a shard twice, or that mixes shards of tests
// split differently: the merge must be exactly the union of one test's shards.
func checkShards(paths []string, docs []*Document) error {
	seen := map[string]string{}
	count := ""
	for i, d := range docs {
		for _, sh := range strings.Split(d.Config.Shard, ", ") {
			if sh == "" {
				continue
			}
			if prev, ok := seen[sh]; ok {
				return fmt.Errorf("shard %s is in both %s and %s", Escape(sh), Escape(prev), Escape(paths[i]))
			}
			seen[sh] = paths[i]
			_, n, _ := strings.Cut(sh, "/")
			if count != "" && n != count {
				return fmt.Errorf("%s is a shard of a test in %s shards, the others of one in %s", Escape(paths[i]), Escape(n), Escape(count))
			}
			count = n
		}
	}
	return nil
}

// MissingShards lists the shards of a sharded test that a merged result lacks.
func MissingShards(d *Document) []string {
	have := map[string]bool{}
	count := 0
	for _, sh := range strings.Split(d.Config.Shard, ", ") {
		if _, n, ok := strings.Cut(sh, "/"); ok {
			have[sh] = true
			count, _ = strconv.Atoi(n)
		}
	}
	var missing []string
	for i := 0; i < count && i < 10000; i++ {
		if sh := strconv.Itoa(i) + "/" + strconv.Itoa(count); !have[sh] {
			missing = append(missing, sh)
		}
	}
	return missing
}

func readFile(path string) (*Document, error) {
	f, err := os.Open(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in the message
		}
		return nil, err
	}
	d, err := ReadJSON(f)
	if cerr := f.Close(); err == nil && cerr != nil {
		return nil, cerr
	}
	return d, err
}

// Merge merges documents into the first; it returns docs[0]. The merged
// configuration is the runs' together: threads, connections, rate and -n add,
// duration and timeout are the longest, the URLs, scripts and header names
// are those of any run (distinct URLs are listed, comma-separated).
func Merge(docs []*Document) *Document {
	out := docs[0]
	c := &out.Config
	c.Runs = max(c.Runs, 1)
	urls := []string{c.URL}
	for _, d := range docs[1:] {
		o := &d.Config
		out.Result.Merge(d.Result)
		c.Threads += o.Threads
		c.Connections += o.Connections
		c.Rate += o.Rate
		c.Requests += o.Requests
		c.Duration = max(c.Duration, o.Duration)
		c.Timeout = max(c.Timeout, o.Timeout)
		c.Runs += max(o.Runs, 1)
		c.LateStart = max(c.LateStart, o.LateStart)
		c.Others = mergeOthers(c.Others, o.Others)
		if o.Shard != "" {
			c.Shard = strings.TrimPrefix(c.Shard+", "+o.Shard, ", ")
		}
		if !slices.Contains(urls, o.URL) {
			urls = append(urls, o.URL)
		}
		if c.Script == "" {
			c.Script = o.Script
		}
		if p := cmp.Or(o.Protocol, "http/1.1"); !slices.Contains(strings.Split(cmp.Or(c.Protocol, "http/1.1"), ", "), p) {
			c.Protocol = cmp.Or(c.Protocol, "http/1.1") + ", " + p // runs of different protocols, listed
		}
		c.Streams = max(c.Streams, o.Streams)
		for _, h := range o.HeaderNames {
			if !slices.Contains(c.HeaderNames, h) {
				c.HeaderNames = append(c.HeaderNames, h)
			}
		}
	}
	c.URL = strings.Join(urls, ", ")
	return out
}

// mergeOthers adds the threads of b's other addresses to a's.
func mergeOthers(a, b []OtherAddress) []OtherAddress {
	for _, o := range b {
		i := slices.IndexFunc(a, func(x OtherAddress) bool { return x.Address == o.Address })
		if i < 0 {
			a = append(a, o)
			continue
		}
		a[i].Threads += o.Threads
	}
	return a
}

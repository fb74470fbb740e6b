package lab

import (
	"fmt"

	"saliencyexplorer/engine/train"
)

// Merge combines the results of separate runs of one experiment (the same
// data set and protocol, other seeds or methods, e.g. run as parallel
// processes with -firstseed) into one result whose summaries are over all
// their runs, methods in the order they first appear. The merged Config is
// the first result's, with Seeds the largest number of runs of a method and
// Methods the methods found. A run of a method and seed seen before is an
// error.
func Merge(results []*Result) (*Result, error) {
	if len(results) == 0 {
		return nil, fmt.Errorf("lab: nothing to merge")
	}
	out := &Result{Dataset: results[0].Dataset, Config: results[0].Config}
	out.Config.Methods = nil
	byMethod := map[train.Method][]Run{}
	seen := map[string]bool{}
	for _, r := range results {
		if r.Dataset != out.Dataset {
			return nil, fmt.Errorf("lab: cannot merge results of %s and %s", out.Dataset, r.Dataset)
		}
		for _, run := range r.Runs {
			key := fmt.Sprintf("%s/%d", run.Method, run.Seed)
			if seen[key] {
				return nil, fmt.Errorf("lab: %s seed %d appears twice", run.Method, run.Seed)
			}
			seen[key] = true
			if _, ok := byMethod[run.Method]; !ok {
				out.Config.Methods = append(out.Config.Methods, run.Method)
			}
			byMethod[run.Method] = append(byMethod[run.Method], run)
		}
	}
	out.Config.Seeds = 0
	for _, m := range out.Config.Methods {
		runs := byMethod[m]
		out.Runs = append(out.Runs, runs...)
		out.Summaries = append(out.Summaries, summarize(m, runs[0].Lambda, runs))
		out.Config.Seeds = max(out.Config.Seeds, len(runs))
	}
	return out, nil
}

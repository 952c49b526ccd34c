// Command tlogcheck verifies monitord's checkpoints and proofs with Go's own transparency-log
// code, golang.org/x/mod/sumdb/note and sumdb/tlog (Debian golang-golang-x-mod-dev): an
// implementation we did not write. It reads one JSON object on stdin:
//
//	{"verifier_key": "NAME+HASH+KEY",        // from AuditService.GetSigningKeys
//	 "checkpoint": "...",                    // a signed note, from GetCheckpoint
//	 "old_checkpoint": "...",                // optional: an older one kept by the client
//	 "consistency": ["base64", ...],         // GetConsistencyProof(old size, new size)
//	 "leaves": [{"index": 3, "entry": "base64", "proof": ["base64", ...]}]}  // GetInclusionProof
//
// and prints "ok", or the first thing that does not verify and exits 1.
package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type input struct {
	VerifierKey   string   `json:"verifier_key"`
	Checkpoint    string   `json:"checkpoint"`
	OldCheckpoint string   `json:"old_checkpoint"`
	Consistency   []string `json:"consistency"`
	Leaves        []struct {
		Index int64    `json:"index"`
		Entry string   `json:"entry"`
		Proof []string `json:"proof"`
	} `json:"leaves"`
}

func main() {
	if err := run(); err != nil {
		fmt.Println(err)
		os.Exit(1)
	}
	fmt.Println("ok")
}

func run() error {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		return fmt.Errorf("input: %v", err)
	}
	verifier, err := note.NewVerifier(in.VerifierKey)
	if err != nil {
		return fmt.Errorf("verifier key: %v", err)
	}
	size, root, err := open(in.Checkpoint, verifier)
	if err != nil {
		return fmt.Errorf("checkpoint: %v", err)
	}
	for _, leaf := range in.Leaves {
		entry, err := base64.StdEncoding.DecodeString(leaf.Entry)
		if err != nil {
			return fmt.Errorf("leaf %d: entry: %v", leaf.Index, err)
		}
		proof, err := hashes(leaf.Proof)
		if err != nil {
			return fmt.Errorf("leaf %d: %v", leaf.Index, err)
		}
		if err := tlog.CheckRecord(tlog.RecordProof(proof), size, root, leaf.Index, tlog.RecordHash(entry)); err != nil {
			return fmt.Errorf("leaf %d: %v", leaf.Index, err)
		}
	}
	if in.OldCheckpoint != "" {
		oldSize, oldRoot, err := open(in.OldCheckpoint, verifier)
		if err != nil {
			return fmt.Errorf("old checkpoint: %v", err)
		}
		proof, err := hashes(in.Consistency)
		if err != nil {
			return fmt.Errorf("consistency: %v", err)
		}
		if err := tlog.CheckTree(tlog.TreeProof(proof), size, root, oldSize, oldRoot); err != nil {
			return fmt.Errorf("consistency %d -> %d: %v", oldSize, size, err)
		}
	}
	return nil
}

// open checks a checkpoint's signature and reads its C2SP body: origin, size, base64 root.
func open(text string, verifier note.Verifier) (int64, tlog.Hash, error) {
	n, err := note.Open([]byte(text), note.VerifierList(verifier))
	if err != nil {
		return 0, tlog.Hash{}, err
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 || lines[0] != verifier.Name() {
		return 0, tlog.Hash{}, fmt.Errorf("not a checkpoint of %s: %q", verifier.Name(), n.Text)
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("size: %v", err)
	}
	root, err := tlog.ParseHash(lines[2])
	if err != nil {
		return 0, tlog.Hash{}, fmt.Errorf("root: %v", err)
	}
	return size, root, nil
}

func hashes(encoded []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(encoded))
	for i, text := range encoded {
		h, err := tlog.ParseHash(text)
		if err != nil {
			return nil, fmt.Errorf("hash %d: %v", i, err)
		}
		out[i] = h
	}
	return out, nil
}

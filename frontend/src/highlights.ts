// Painting spans over one text node with the CSS Custom Highlight API: ranges, not wrapper elements, so
// the text stays one node (offsets stay exact) and overlapping spans need no splitting.
// Overlaps are drawn in lanes: each span takes the lowest lane free at its start, and each lane has its own
// translucent colour, so a region covered twice is visibly darker and both boundaries stay readable.

export const LANES = 3;

export interface Interval {
  id: number;
  start: number; // UTF-16 offsets into the text node
  end: number;
}

/** The lane of each interval: the lowest one whose last interval ended at or before this one's start;
 * intervals past the last lane share it. */
export function assignLanes(intervals: Interval[]): Map<number, number> {
  const sorted = [...intervals].sort((a, b) => a.start - b.start || b.end - a.end || a.id - b.id);
  const laneEnds: number[] = [];
  const lanes = new Map<number, number>();
  for (const interval of sorted) {
    let lane = laneEnds.findIndex((end) => end <= interval.start);
    if (lane === -1) {
      lane = laneEnds.length;
      laneEnds.push(interval.end);
    } else {
      laneEnds[lane] = interval.end;
    }
    lanes.set(interval.id, Math.min(lane, LANES - 1));
  }
  return lanes;
}

export function paint(node: Text, intervals: Interval[], selected: number | null): void {
  if (!("highlights" in CSS)) return; // an old browser: the span list still works
  const lanes = assignLanes(intervals);
  const byLane: Range[][] = Array.from({ length: LANES }, () => []);
  let selectedRange: Range | null = null;
  for (const interval of intervals) {
    const range = new Range();
    range.setStart(node, interval.start);
    range.setEnd(node, interval.end);
    byLane[lanes.get(interval.id) ?? 0].push(range);
    if (interval.id === selected) selectedRange = range;
  }
  byLane.forEach((ranges, lane) => CSS.highlights.set(`fc-lane-${lane}`, new Highlight(...ranges)));
  if (selectedRange) CSS.highlights.set("fc-selected", new Highlight(selectedRange));
  else CSS.highlights.delete("fc-selected");
}

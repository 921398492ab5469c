/**
 * A line chart of values over a candidate's interviews (Chart.js on a canvas), with the same
 * numbers as a table for screen readers and for anyone who prefers to read them. Only the
 * Chart.js parts used here are registered, so the bundle carries nothing else.
 */

import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";
import { useEffect, useRef } from "react";

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

export interface Series {
  label: string;
  values: (number | null)[];
}

const COLOURS = ["#3b5bdb", "#e8590c", "#2b8a3e", "#ae3ec9", "#1098ad", "#c92a2a", "#5f3dc4", "#868e96"];

export function TrendChart({
  id,
  title,
  labels,
  series,
  yMin,
  yMax,
  unit = "",
}: {
  id: string;
  title: string;
  labels: string[];
  series: Series[];
  yMin?: number;
  yMax?: number;
  unit?: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    if (!canvas.current) return;
    const chart = new Chart(canvas.current, {
      type: "line",
      data: {
        labels,
        datasets: series.map((s, i) => ({
          label: s.label,
          data: s.values,
          borderColor: COLOURS[i % COLOURS.length],
          backgroundColor: COLOURS[i % COLOURS.length],
          spanGaps: true,
          tension: 0.2,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { min: yMin, max: yMax } },
        plugins: { legend: { position: "bottom" } },
      },
    });
    return () => chart.destroy();
  }, [labels, series, yMin, yMax]);

  return (
    <figure className="trend" aria-labelledby={`${id}-title`}>
      <figcaption id={`${id}-title`}>{title}</figcaption>
      <div className="trend-canvas">
        <canvas
          ref={canvas}
          id={id}
          role="img"
          aria-label={`${title}: chart; the table below has the values`}
        />
      </div>
      <details>
        <summary>Values</summary>
        <table className="trend-table" id={`${id}-table`}>
          <thead>
            <tr>
              <th scope="col">Interview</th>
              {series.map((s) => (
                <th scope="col" key={s.label}>
                  {s.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {labels.map((label, row) => (
              <tr key={`${label}-${row}`}>
                <th scope="row">{label}</th>
                {series.map((s) => (
                  <td key={s.label}>{s.values[row] == null ? "—" : `${s.values[row]}${unit}`}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

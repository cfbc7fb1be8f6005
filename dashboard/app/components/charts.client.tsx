/**
 * The overview's charts (recharts). Browser-only: the module is left out of the server build
 * and rendered inside ClientOnly after hydration.
 */
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';

export interface DayPoint {
  day: string;
  pending: number;
  processing: number;
  completed: number;
  failed: number;
  canceled: number;
  p50: number | null;
  p95: number | null;
}

export interface Breakdown {
  name: string;
  completed: number;
  failed: number;
  other: number;
}

const COLORS = {
  completed: '#12733f',
  failed: '#d92d20',
  processing: '#2f5bd3',
  pending: '#dca51b',
  canceled: '#98a2b3',
  other: '#98a2b3',
};

const HEIGHT = 260;

export function TasksPerDayChart({ data }: { data: DayPoint[] }) {
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <BarChart data={data}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="day" />
        <YAxis allowDecimals={false} />
        <Tooltip />
        <Legend />
        {(['completed', 'failed', 'processing', 'pending', 'canceled'] as const).map((key) => (
          <Bar key={key} dataKey={key} stackId="status" fill={COLORS[key]} />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}

export function GenerationTimeChart({ data }: { data: DayPoint[] }) {
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <LineChart data={data}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="day" />
        <YAxis unit=" s" />
        <Tooltip />
        <Legend />
        <Line type="monotone" dataKey="p50" name="p50 (s)" stroke="#2f5bd3" connectNulls />
        <Line type="monotone" dataKey="p95" name="p95 (s)" stroke="#d92d20" connectNulls />
      </LineChart>
    </ResponsiveContainer>
  );
}

export function BreakdownChart({ data }: { data: Breakdown[] }) {
  return (
    <ResponsiveContainer width="100%" height={HEIGHT}>
      <BarChart data={data} layout="vertical">
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis type="number" allowDecimals={false} />
        <YAxis type="category" dataKey="name" width={90} />
        <Tooltip />
        <Legend />
        <Bar dataKey="completed" stackId="s" fill={COLORS.completed} />
        <Bar dataKey="failed" stackId="s" fill={COLORS.failed} />
        <Bar dataKey="other" stackId="s" fill={COLORS.other} />
      </BarChart>
    </ResponsiveContainer>
  );
}

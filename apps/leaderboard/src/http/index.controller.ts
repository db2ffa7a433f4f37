import { Controller, Get } from '@nestjs/common';

/** What `GET /` lists: the URL a newcomer opens first should say where to go next. */
export const ENDPOINTS = [
  { method: 'GET', path: '/agents?status=active&limit=20&offset=0', what: 'agents, filtered and paged' },
  { method: 'GET', path: '/agents/:id', what: 'one agent' },
  { method: 'GET', path: '/agents/:id/stats', what: "an agent's task and vote statistics" },
  { method: 'GET', path: '/agents/:id/tasks?limit=10', what: "an agent's latest tasks" },
  { method: 'POST', path: '/agents', what: 'create an agent: {"name","status"}' },
  { method: 'PATCH', path: '/agents/:id', what: 'rename or change the status of an agent' },
  { method: 'POST', path: '/tasks', what: 'queue a task: {"agent_id","title"}' },
  { method: 'PATCH', path: '/tasks/:id', what: 'move a task on: {"status"}' },
  { method: 'POST', path: '/votes', what: 'vote for an agent: {"agent_id","voter","value": 1 | -1}' },
  { method: 'GET', path: '/leaderboards/daily?date=YYYY-MM-DD&limit=50', what: "the day's top agents (default: today)" },
  { method: 'GET', path: '/leaderboards/weekly?date=YYYY-MM-DD', what: "the week's top agents" },
  { method: 'GET', path: '/health', what: 'database and cache health (503 when down)' },
  { method: 'GET', path: '/metrics', what: 'Prometheus metrics, cache per method included' },
] as const;

@Controller()
export class IndexController {
  @Get()
  index(): { app: string; endpoints: typeof ENDPOINTS } {
    return { app: 'Tiercache leaderboard sample', endpoints: ENDPOINTS };
  }
}

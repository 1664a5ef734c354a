import { router } from "../../trpc";
import {
  labelItemRoute,
  listItemsRoute,
  nextItemsRoute,
  resolveItemRoute,
  skipItemRoute,
  unlabelItemRoute,
  exportLabelsRoute,
  importLabelsRoute,
} from "./items";
import { createProjectRoute, deleteProjectRoute, getProjectRoute, listProjectsRoute, retrainRoute } from "./projects";
import { cancelRoundRoute, cancelSimulationRoute, createSimulationRoute, startRoundRoute } from "./rounds";

export const activeLearningRouter = router({
  createProject: createProjectRoute,
  listProjects: listProjectsRoute,
  getProject: getProjectRoute,
  deleteProject: deleteProjectRoute,
  startRound: startRoundRoute,
  cancelRound: cancelRoundRoute,
  retrain: retrainRoute,
  nextItems: nextItemsRoute,
  listItems: listItemsRoute,
  label: labelItemRoute,
  unlabel: unlabelItemRoute,
  skip: skipItemRoute,
  resolve: resolveItemRoute,
  exportLabels: exportLabelsRoute,
  importLabels: importLabelsRoute,
  simulate: createSimulationRoute,
  cancelSimulation: cancelSimulationRoute,
});

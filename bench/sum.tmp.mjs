import { summarize } from "./profile.js";

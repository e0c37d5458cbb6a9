// Content script for Outlook on the web (outlook.office.com, outlook.office365.com, outlook.live.com).
import { outlook } from "../webmail/outlook.js";
import { startContent } from "./main.js";

startContent(outlook);

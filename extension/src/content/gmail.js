// Content script for Gmail (mail.google.com).
import { gmail } from "../webmail/gmail.js";
import { startContent } from "./main.js";

startContent(gmail);
